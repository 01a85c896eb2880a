#!/usr/bin/env python3
"""Raw-socket Modbus probe (stdlib only): send PDUs, print the exact bytes back.

Usage: probe.py HOST PORT [--framer tcp|rtu] [--unit N] [--wait S] PDU_HEX...

Each PDU_HEX (spaces/underscores allowed inside one argument) is wrapped in an
MBAP header (tcp) or unit id + CRC (rtu), sent on one connection, one at a
time, and whatever arrives within --wait seconds is printed as hex: the
request ADU on a '>' line, the response bytes on a '<' line ('<' alone means
nothing arrived). Used to capture the peer quirks listed in CONTRACT.md.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time

from peerscript import crc16


def frame(framer: str, unit: int, pdu: bytes, tid: int) -> bytes:
    if framer == "tcp":
        return tid.to_bytes(2, "big") + b"\0\0" + (len(pdu) + 1).to_bytes(2, "big") + bytes([unit]) + pdu
    body = bytes([unit]) + pdu
    return body + crc16(body).to_bytes(2, "little")


def recv_for(sock: socket.socket, wait: float) -> bytes:
    got = b""
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        got += chunk
    return got


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--framer", choices=["tcp", "rtu"], default="tcp")
    ap.add_argument("--unit", type=int, default=17)
    ap.add_argument("--wait", type=float, default=0.7)
    ap.add_argument("pdus", nargs="+")
    a = ap.parse_args()
    if not (a.host.startswith("127.") or a.host in ("localhost", "::1")):
        print("probe: loopback addresses only", file=sys.stderr)
        return 2
    with socket.create_connection((a.host, a.port), timeout=3) as s:
        for i, h in enumerate(a.pdus, start=1):
            adu = frame(a.framer, a.unit, bytes.fromhex(h.replace("_", " ")), i)
            s.sendall(adu)
            print(">", adu.hex(" "))
            print("<", recv_for(s, a.wait).hex(" "), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

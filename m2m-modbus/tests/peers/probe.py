#!/usr/bin/env python3
"""Raw-socket Modbus probe (stdlib only): send PDUs, print the exact bytes back.

Usage: probe.py HOST PORT [--framer tcp|rtu] [--unit N] [--wait S] PDU_HEX...
       probe.py --device PATH [--framer rtu|ascii] [--unit N] [--wait S] PDU_HEX...

Each PDU_HEX (spaces/underscores allowed inside one argument) is wrapped in an
MBAP header (tcp), unit id + CRC (rtu) or ':' + hex digits + LRC + CR LF
(ascii), sent on one connection or serial line (e.g. one end of a pty pair,
put in raw mode), one at a time, and whatever arrives within --wait seconds is
printed: the request ADU on a '>' line, the response bytes on a '<' line ('<'
alone means nothing arrived), as hex, or as text for ascii. Used to capture the
peer quirks listed in CONTRACT.md.
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import sys
import time
import tty

from peerscript import crc16, lrc


def frame(framer: str, unit: int, pdu: bytes, tid: int) -> bytes:
    if framer == "tcp":
        return tid.to_bytes(2, "big") + b"\0\0" + (len(pdu) + 1).to_bytes(2, "big") + bytes([unit]) + pdu
    body = bytes([unit]) + pdu
    if framer == "ascii":
        return b":" + (body + bytes([lrc(body)])).hex().upper().encode() + b"\r\n"
    return body + crc16(body).to_bytes(2, "little")


def show(framer: str, data: bytes) -> str:
    return repr(data.decode("ascii", "replace"))[1:-1] if framer == "ascii" else data.hex(" ")


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


def read_for(fd: int, wait: float) -> bytes:
    got = b""
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        got += chunk
    return got


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", help="serial line (RTU or ASCII) instead of HOST PORT")
    ap.add_argument("--framer", choices=["tcp", "rtu", "ascii"], default="tcp")
    ap.add_argument("--unit", type=int, default=17)
    ap.add_argument("--wait", type=float, default=0.7)
    ap.add_argument("args", nargs="+", metavar="[HOST PORT] PDU_HEX")
    a = ap.parse_args()
    a.pdus = a.args
    if a.device:
        if a.framer == "tcp":
            a.framer = "rtu"
        fd = os.open(a.device, os.O_RDWR | os.O_NOCTTY)
        try:
            tty.setraw(fd)
            for h in a.pdus:
                adu = frame(a.framer, a.unit, bytes.fromhex(h.replace("_", " ")), 0)
                os.write(fd, adu)
                print(">", show(a.framer, adu))
                print("<", show(a.framer, read_for(fd, a.wait)), flush=True)
        finally:
            os.close(fd)
        return 0
    if len(a.args) < 3 or not a.args[1].isdigit() or a.framer == "ascii":
        ap.error("HOST PORT with --framer tcp or rtu, or --device PATH")
    a.host, a.port, a.pdus = a.args[0], int(a.args[1]), a.args[2:]
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

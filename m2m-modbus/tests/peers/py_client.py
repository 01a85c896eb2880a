#!/usr/bin/env python3
"""pymodbus client that runs the CONTRACT.md script (script.txt) against a server.

Usage: py_client.py HOST PORT [--framer tcp|rtu] [--server m2m|pymodbus|libmodbus]
                    [--script PATH] [--timeout S]
       py_client.py --device PATH [--baud N] [--format 8N1] [--framer rtu|ascii] [...]

HOST PORT: Modbus/TCP, or RTU over TCP with --framer rtu. --device: RTU or ASCII
on a serial line (pymodbus's ModbusSerialClient; pyserial), e.g. one end of a
pty pair; --baud (alias --baudrate, default 19200) and --format (data bits,
parity, stop bits; default 8N1) set the line.

--server (default: $M2M_PEER_SERVER, else m2m) names the server under test, so
that its quirk lines in script.txt apply; m2m means the strict contract.

Every step goes through pymodbus: the typed client API where pymodbus has one
for that request (read_coils, write_file_record, read_device_information, ...),
and a raw pass-through PDU for steps whose response is an exception (the typed
API refuses e.g. a quantity of 126 before sending). For each step the client
checks, on the wire:
  * the request ADU pymodbus sent carries exactly the script's request PDU,
  * the response ADU is well framed (MBAP ids and length, RTU CRC, or ASCII
    frame and LRC) and carries exactly the expected response PDU,
and, where pymodbus decodes the response, that the decoded values agree.
Prints one line per step and the final line "N passed, M failed"; exit 0 only
if nothing failed.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import peerscript  # noqa: E402
from pymodbus import FramerType  # noqa: E402
from pymodbus.client import ModbusSerialClient, ModbusTcpClient  # noqa: E402
from pymodbus.pdu import ModbusPDU  # noqa: E402
from pymodbus.pdu.file_message import FileRecord  # noqa: E402

NONE_WAIT = 0.5  # seconds to wait when a step expects no response
GIVE_UP_AFTER = 3  # consecutive unanswered requests before the rest is marked failed


class RawRequest(ModbusPDU):
    """A request PDU passed through as bytes (function code + body)."""

    def __init__(self, pdu: bytes = b"\0", dev_id: int = 0, transaction_id: int = 0):
        super().__init__(dev_id=dev_id, transaction_id=transaction_id)
        self.function_code = pdu[0]
        self.body = pdu[1:]

    def encode(self) -> bytes:
        return self.body


class Tracer:
    """Keeps the last ADU sent and the bytes received since."""

    def __init__(self) -> None:
        self.tx = b""
        self.rx = b""

    def packet(self, sending: bool, data: bytes) -> bytes:
        if sending:
            self.tx = bytes(data)
            self.rx = b""
        else:
            # pymodbus passes its whole receive buffer each time
            self.rx = bytes(data)
        return data


def u16(b: bytes, i: int) -> int:
    return (b[i] << 8) | b[i + 1]


def split_adu(framer: str, adu: bytes) -> tuple[int, int, bytes, str]:
    """(transaction id or -1, unit, pdu, framing error or '')."""
    if framer == "tcp":
        if len(adu) < 8:
            return -1, -1, b"", f"short MBAP frame {adu.hex(' ')}"
        tid, pid, length = u16(adu, 0), u16(adu, 2), u16(adu, 4)
        if pid != 0:
            return tid, adu[6], b"", f"protocol id {pid:#06x}"
        if len(adu) != 6 + length:
            return tid, adu[6], adu[7:], f"MBAP length {length} but {len(adu) - 6} bytes follow"
        return tid, adu[6], adu[7:], ""
    if framer == "ascii":
        return split_ascii(adu)
    if len(adu) < 4:
        return -1, -1, b"", f"short RTU frame {adu.hex(' ')}"
    body, crc = adu[:-2], adu[-2] | (adu[-1] << 8)
    if peerscript.crc16(body) != crc:
        return -1, adu[0], adu[1:-2], f"bad CRC in {adu.hex(' ')}"
    return -1, adu[0], adu[1:-2], ""


def split_ascii(adu: bytes) -> tuple[int, int, bytes, str]:
    """An ASCII frame: ':', hex digit pairs (upper case) of unit, PDU and LRC, CR LF."""
    if len(adu) < 9 or adu[:1] != b":" or adu[-2:] != b"\r\n":
        return -1, -1, b"", f"not one ASCII frame: {adu!r}"
    digits = adu[1:-2]
    if len(digits) % 2 or digits != digits.upper():
        return -1, -1, b"", f"ASCII frame not in upper-case hex digit pairs: {adu!r}"
    try:
        body = bytes.fromhex(digits.decode("ascii"))
    except ValueError:
        return -1, -1, b"", f"ASCII frame not in hex: {adu!r}"
    if peerscript.lrc(body[:-1]) != body[-1]:
        return -1, body[0], body[1:-1], f"bad LRC in {adu!r}"
    return -1, body[0], body[1:-1], ""


def typed_call(client, step: peerscript.Step):
    """Issue the step's request through pymodbus's typed API, or None if there is none."""
    r, dev = step.req, step.unit
    fc = r[0]
    if fc in (1, 2, 3, 4) and len(r) == 5:
        fn = {1: client.read_coils, 2: client.read_discrete_inputs,
              3: client.read_holding_registers, 4: client.read_input_registers}[fc]
        return fn(u16(r, 1), count=u16(r, 3), device_id=dev)
    if fc == 5 and len(r) == 5 and u16(r, 3) in (0x0000, 0xFF00):
        return client.write_coil(u16(r, 1), u16(r, 3) == 0xFF00, device_id=dev)
    if fc == 6 and len(r) == 5:
        return client.write_register(u16(r, 1), u16(r, 3), device_id=dev)
    if fc == 7 and len(r) == 1:
        return client.read_exception_status(device_id=dev)
    if fc == 8 and len(r) == 5:
        sub, data = u16(r, 1), r[3:]
        simple = {
            0x0002: client.diag_read_diagnostic_register,
            0x000A: client.diag_clear_counters,
            0x000B: client.diag_read_bus_message_count,
            0x000C: client.diag_read_bus_comm_error_count,
            0x000D: client.diag_read_bus_exception_error_count,
        }
        if sub == 0x0000:
            return client.diag_query_data(bytes(data), device_id=dev)
        if sub in simple and data == b"\0\0":
            return simple[sub](device_id=dev)
        return None
    if fc == 0x0B and len(r) == 1:
        return client.diag_get_comm_event_counter(device_id=dev)
    if fc == 0x0C and len(r) == 1:
        return client.diag_get_comm_event_log(device_id=dev)
    if fc == 0x0F and len(r) >= 6:
        qty = u16(r, 3)
        bits = [bool(r[6 + i // 8] >> (i % 8) & 1) for i in range(qty)]
        return client.write_coils(u16(r, 1), bits, device_id=dev)
    if fc == 0x10 and len(r) >= 6 and r[5] == 2 * u16(r, 3) == len(r) - 6:
        regs = [u16(r, 6 + 2 * i) for i in range(u16(r, 3))]
        return client.write_registers(u16(r, 1), regs, device_id=dev)
    if fc == 0x11 and len(r) == 1:
        return client.report_device_id(device_id=dev)
    if fc == 0x14 and len(r) >= 8 and (len(r) - 2) % 7 == 0:
        # pymodbus's FileRecord(record_length=) counts BYTES (it halves it); see Q11
        recs = [FileRecord(file_number=u16(r, 3 + 7 * i), record_number=u16(r, 5 + 7 * i),
                           record_length=2 * u16(r, 7 + 7 * i))
                for i in range((len(r) - 2) // 7)]
        return client.read_file_record(recs, device_id=dev)
    if fc == 0x15 and len(r) >= 10:
        recs, pos = [], 2
        while pos < len(r):
            n = u16(r, pos + 5)
            recs.append(FileRecord(file_number=u16(r, pos + 1), record_number=u16(r, pos + 3),
                                   record_data=bytes(r[pos + 7: pos + 7 + 2 * n])))
            pos += 7 + 2 * n
        return client.write_file_record(recs, device_id=dev)
    if fc == 0x16 and len(r) == 7:
        return client.mask_write_register(address=u16(r, 1), and_mask=u16(r, 3),
                                          or_mask=u16(r, 5), device_id=dev)
    if fc == 0x17 and len(r) >= 12:
        wq = u16(r, 7)
        regs = [u16(r, 10 + 2 * i) for i in range(wq)]
        return client.readwrite_registers(read_address=u16(r, 1), read_count=u16(r, 3),
                                          write_address=u16(r, 5), values=regs, device_id=dev)
    if fc == 0x18 and len(r) == 3:
        return client.read_fifo_queue(address=u16(r, 1), device_id=dev)
    if fc == 0x2B and len(r) == 4 and r[1] == 0x0E and 1 <= r[2] <= 4:
        return client.read_device_information(read_code=r[2], object_id=r[3], device_id=dev)
    return None


def decoded_mismatch(step: peerscript.Step, rsp, exp: bytes) -> str:
    """Compare what pymodbus decoded with the expected PDU; '' if they agree."""
    if rsp is None:
        return "pymodbus returned no response object"
    fc = exp[0]
    if fc & 0x80:
        if not rsp.isError() or rsp.exception_code != exp[1]:
            return f"decoded as {rsp} instead of exception {exp[1]:#04x}"
        return ""
    if rsp.isError():
        return f"decoded as exception {rsp.exception_code:#04x}"
    if fc in (1, 2):
        qty = u16(step.req, 3)
        want = [bool(exp[2 + i // 8] >> (i % 8) & 1) for i in range(qty)]
        got = list(rsp.bits[:qty])
        return "" if got == want else f"decoded bits {got} != {want}"
    if fc in (3, 4, 0x17):
        want = [u16(exp, 2 + 2 * i) for i in range(exp[1] // 2)]
        return "" if list(rsp.registers) == want else f"decoded registers {rsp.registers} != {want}"
    if fc == 7:
        return "" if rsp.status == exp[1] else f"decoded status {rsp.status:#04x}"
    if fc == 0x18:
        want = [u16(exp, 5 + 2 * i) for i in range(u16(exp, 3))]
        return "" if rsp.values == want else f"decoded FIFO {rsp.values} != {want}"
    if fc == 0x14:
        got = b"".join(bytes(rec.record_data) for rec in rsp.records)
        want, pos = b"", 2
        while pos < len(exp):
            want += exp[pos + 2: pos + 1 + exp[pos]]
            pos += 1 + exp[pos]
        return "" if got == want else f"decoded record data {got.hex()} != {want.hex()}"
    if fc == 0x2B:
        want, pos = {}, 7
        while pos < len(exp):
            want[exp[pos]] = exp[pos + 2: pos + 2 + exp[pos + 1]]
            pos += 2 + exp[pos + 1]
        got = {k: bytes(v) for k, v in rsp.information.items()}
        return "" if got == want else f"decoded objects {got} != {want}"
    return ""  # 05 06 08 0B 0C 0F 10 11 15 16: the byte comparison covers them


def run_step(client, tracer: Tracer, step: peerscript.Step, framer: str, timeout: float):
    """Returns (ok, detail)."""
    # pymodbus's RTU framer miscounts the 0x18 response length (Q11): it never
    # decodes one, so do not wait the full timeout for it
    fifo_rtu = framer == "rtu" and step.req[0] == 0x18
    client.comm_params.timeout_connect = NONE_WAIT if step.rsp is None or fifo_rtu else timeout
    expect_exc = step.rsp is not None and step.rsp[0] & 0x80
    rsp, err, how = None, "", "api"
    try:
        if expect_exc or step.rsp is None:
            raise LookupError
        rsp = typed_call(client, step)
        if rsp is None:
            raise LookupError
    except LookupError:
        how = "raw"
        try:
            rsp = client.execute(False, RawRequest(step.req, dev_id=step.unit))
        except Exception as exc:  # pylint: disable=broad-except
            err = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # pylint: disable=broad-except
        err = f"{type(exc).__name__}: {exc}"
    # let a late or split response land in the tracer (only on failure paths)
    if err and step.rsp is not None and not tracer.rx:
        time.sleep(0.05)

    sent_tid, sent_unit, sent_pdu, ferr = split_adu(framer, tracer.tx)
    if ferr or sent_pdu != step.req or sent_unit != step.unit:
        return False, f"[{how}] pymodbus sent {tracer.tx.hex(' ')}, script says unit {step.unit} pdu {step.req.hex(' ')}"
    if step.rsp is None:
        if tracer.rx:
            return False, f"expected no response, got {tracer.rx.hex(' ')}"
        return True, "no response, as expected"
    if not tracer.rx:
        return False, f"no response ({err or 'nothing received'})"
    tid, unit, pdu, ferr = split_adu(framer, tracer.rx)
    if ferr:
        return False, ferr
    if framer == "tcp" and tid != sent_tid:
        return False, f"transaction id {tid} != {sent_tid}"
    if unit != step.unit:
        return False, f"unit {unit} != {step.unit}"
    if pdu != step.rsp:
        return False, f"got {pdu.hex(' ')}, want {step.rsp.hex(' ')}"
    if step.rsp[0] in (0x80,):
        return True, f"[{how}] bytes match; pymodbus cannot decode fc 0x80 ({err or 'no error'})"
    if err and fifo_rtu and not step.rsp[0] & 0x80:
        return True, f"[{how}] bytes match; pymodbus RTU cannot frame a 0x18 response (Q11)"
    if err:
        return False, f"[{how}] bytes match but pymodbus raised {err}"
    if step.rsp[0] == 0x11:
        return True, f"[{how}] bytes match (decoded fields not checked, see Q11)"
    if mismatch := decoded_mismatch(step, rsp, step.rsp):
        return False, f"[{how}] bytes match but {mismatch}"
    return True, f"[{how}]"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("host", nargs="?")
    ap.add_argument("port", type=int, nargs="?")
    ap.add_argument("--framer", choices=["tcp", "rtu", "ascii"], default=None)
    ap.add_argument("--device", help="serial line (RTU or ASCII) instead of HOST PORT")
    ap.add_argument("--baud", "--baudrate", dest="baud", type=int, default=19200)
    ap.add_argument("--format", default="8N1", help="data bits, parity, stop bits (8N1, 7E1, ...)")
    ap.add_argument("--server", choices=peerscript.SERVERS,
                    default=os.environ.get("M2M_PEER_SERVER") or "m2m")
    ap.add_argument("--script", default=os.environ.get("M2M_PEER_SCRIPT") or peerscript.DEFAULT_SCRIPT)
    ap.add_argument("--timeout", type=float, default=2.0)
    args = ap.parse_args()
    if args.device:
        args.framer = args.framer or "rtu"
        if args.framer == "tcp":
            ap.error("--device takes --framer rtu or ascii")
        bytesize, parity, stopbits = peerscript.line_format(args.format)
        where = f"{args.device} {args.baud} {args.format}"
    else:
        args.framer = args.framer or "tcp"
        if args.host is None or args.port is None or args.framer == "ascii":
            ap.error("HOST PORT with --framer tcp or rtu, or --device PATH")
        if not (args.host.startswith("127.") or args.host in ("localhost", "::1")):
            print("py_client: loopback addresses only", file=sys.stderr)
            return 2
        where = f"{args.host}:{args.port}"
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

    steps = peerscript.load(args.script, args.server, args.framer)
    tracer = Tracer()
    framer = {"tcp": FramerType.SOCKET, "rtu": FramerType.RTU, "ascii": FramerType.ASCII}[args.framer]
    common = {"framer": framer, "timeout": args.timeout, "retries": 0, "reconnect_delay": 0,
              "trace_packet": tracer.packet}
    if args.device:
        client = ModbusSerialClient(args.device, baudrate=args.baud, bytesize=bytesize,
                                    parity=parity, stopbits=stopbits, **common)
    else:
        client = ModbusTcpClient(args.host, port=args.port, **common)
    passed = failed = skipped = silent = 0
    print(f"# py_client (pymodbus) -> {where} framer={args.framer} server={args.server}")
    if not client.connect():
        print(f"FAIL connect to {where}")
        print("0 passed, 1 failed")
        return 1
    try:
        for n, step in enumerate(steps):
            if silent >= GIVE_UP_AFTER:
                rest = sum(1 for s in steps[n:] if not s.skip)
                failed += rest
                print(f"FAIL {rest} remaining steps not run: {silent} requests in a row got no response")
                break
            tag = f" ({step.quirk})" if step.quirk else ""
            label = f"{step.id} {step.desc}"
            if step.skip:
                skipped += 1
                print(f"skip {label}{tag}")
                continue
            ok, detail = run_step(client, tracer, step, args.framer, args.timeout)
            silent = silent + 1 if detail.startswith("no response (") else 0
            if ok:
                passed += 1
                print(f"ok   {label}{tag} {detail}")
            else:
                failed += 1
                print(f"FAIL {label}{tag}: {detail}")
            if not client.connected and not client.connect():
                print("FAIL connection lost and could not reconnect")
                failed += 1
                break
    finally:
        client.close()
    if skipped:
        print(f"skipped: {skipped}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

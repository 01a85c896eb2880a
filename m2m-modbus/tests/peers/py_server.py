#!/usr/bin/env python3
"""pymodbus server that serves the peer-harness world described in CONTRACT.md.

Usage: py_server.py PORT [--framer tcp|rtu] [--host 127.0.0.1]
       py_server.py --device PATH [--baud N] [--format 8N1] [--framer rtu|ascii]

Listens on 127.0.0.1:PORT only (Modbus/TCP, or RTU over TCP with --framer rtu),
or serves RTU or ASCII on the serial line PATH (pymodbus's ModbusSerialServer,
which StartAsyncSerialServer wraps; pyserial), e.g. one end of a pty pair, with
--baud (alias --baudrate, default 19200) and --format (data bits, parity, stop
bits; default 8N1). Prints "ready" on stdout once the socket is listening or the
line is open, and exits 0 on SIGTERM or SIGINT.

The register tables and device identification are plain pymodbus.  Function
codes whose stock pymodbus server answers with hard-coded placeholder data
(07 exception status, 11 report server id, 14/15 file records, 18 FIFO) are
replaced by small subclasses that read the world instead; everything else
(framing, decoding, error handling) is left to pymodbus, quirks included.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import peerscript  # noqa: E402
from pymodbus import FramerType, ModbusDeviceIdentification  # noqa: E402
from pymodbus.constants import ExcCodes  # noqa: E402
from pymodbus.pdu import ExceptionResponse, ModbusPDU  # noqa: E402
from pymodbus.pdu.file_message import (  # noqa: E402
    FileRecord,
    ReadFifoQueueRequest,
    ReadFifoQueueResponse,
    ReadFileRecordRequest,
    ReadFileRecordResponse,
    WriteFileRecordRequest,
)
from pymodbus.pdu.other_message import (  # noqa: E402
    ReadExceptionStatusRequest,
    ReadExceptionStatusResponse,
    ReportDeviceIdRequest,
)
from pymodbus.server import ModbusSerialServer, ModbusTcpServer  # noqa: E402
from pymodbus.simulator import DataType, SimData, SimDevice  # noqa: E402

# ---------------------------------------------------------------- the world
UNIT = 17
N_BITS = 2000  # coils and discrete inputs 0..=1999
N_REGS = 1000  # holding and input registers 0..=999
EXCEPTION_STATUS = 0x6D
FIFO_ADDRESS = 0x04DE
FIFO_VALUES = [440, 4740]
FILE_NUMBER = 4
FILE_RECORDS = 10000  # records 0..=9999
SERVER_ID = 0x11
RUN_INDICATOR = 0xFF
SERVER_ID_TEXT = b"m2m-modbus"
IDENTITY = {0x00: "m2m", 0x01: "m2m-modbus", 0x02: "0.1.0"}


def coil(addr: int) -> bool:
    return addr % 3 == 0


def discrete_input(addr: int) -> bool:
    return addr % 5 == 0


def holding(addr: int) -> int:
    return (addr * 3 + 1) & 0xFFFF


def input_register(addr: int) -> int:
    return 0xFFFF - addr


def file_record(record: int) -> int:
    """Register value of record `record` of file 4 (reading L registers from
    record r yields r, r+1, ..., r+L-1)."""
    return record & 0xFFFF


class FileStore:
    """File 4 of the world: 10000 one-register records, writable."""

    def __init__(self) -> None:
        self.regs = [file_record(r) for r in range(FILE_RECORDS)]


FILES = FileStore()


# ------------------------------------------------- custom request handlers
class WorldReadExceptionStatus(ReadExceptionStatusRequest):
    async def datastore_update(self, context, device_id):
        return ReadExceptionStatusResponse(
            status=EXCEPTION_STATUS, dev_id=device_id, transaction_id=self.transaction_id
        )


class WorldReportServerIdResponse(ModbusPDU):
    """Byte count, server id, run indicator, additional data (spec 6.13)."""

    function_code = 0x11

    def encode(self) -> bytes:
        body = bytes([SERVER_ID, RUN_INDICATOR]) + SERVER_ID_TEXT
        return bytes([len(body)]) + body


class WorldReportServerId(ReportDeviceIdRequest):
    async def datastore_update(self, context, device_id):
        return WorldReportServerIdResponse(
            dev_id=device_id, transaction_id=self.transaction_id
        )


class WorldReadFifo(ReadFifoQueueRequest):
    async def datastore_update(self, context, device_id):
        if self.address != FIFO_ADDRESS:
            return ExceptionResponse(self.function_code, ExcCodes.ILLEGAL_ADDRESS)
        return ReadFifoQueueResponse(
            values=list(FIFO_VALUES), dev_id=device_id, transaction_id=self.transaction_id
        )


def _parse_subrequests(data: bytes, with_data: bool):
    """Split a file-record request body into (ref, file, record, length, data)."""
    byte_count = data[0]
    body = data[1 : 1 + byte_count]
    out = []
    pos = 0
    while pos < len(body):
        if pos + 7 > len(body):
            return None
        ref, file_no, rec, length = struct.unpack(">BHHH", body[pos : pos + 7])
        pos += 7
        payload = b""
        if with_data:
            payload = body[pos : pos + 2 * length]
            if len(payload) != 2 * length:
                return None
            pos += 2 * length
        out.append((ref, file_no, rec, length, payload))
    return out


def _check_subrequest(ref, file_no, rec, length):
    if ref != 0x06:
        return ExcCodes.ILLEGAL_ADDRESS
    if file_no != FILE_NUMBER:
        return ExcCodes.ILLEGAL_ADDRESS
    if length == 0 or rec + length > FILE_RECORDS:
        return ExcCodes.ILLEGAL_ADDRESS
    return None


class WorldReadFileRecord(ReadFileRecordRequest):
    def decode(self, data: bytes) -> None:
        # Parsed in datastore_update: the stock decoder halves odd record
        # lengths into an exception (see CONTRACT.md, peer quirks).
        self.raw = bytes(data)
        if not data or data[0] > len(data) - 1:
            raise ValueError("file record request: bad byte count")

    async def datastore_update(self, context, device_id):
        subs = _parse_subrequests(self.raw, with_data=False)
        byte_count = self.raw[0]
        if subs is None or not subs or not 0x07 <= byte_count <= 0xF5:
            return ExceptionResponse(self.function_code, ExcCodes.ILLEGAL_VALUE)
        records = []
        for ref, file_no, rec, length, _ in subs:
            if (exc := _check_subrequest(ref, file_no, rec, length)) is not None:
                return ExceptionResponse(self.function_code, exc)
            words = FILES.regs[rec : rec + length]
            records.append(FileRecord(record_data=struct.pack(f">{length}H", *words)))
        if sum(2 + len(r.record_data) for r in records) > 0xF5:
            return ExceptionResponse(self.function_code, ExcCodes.ILLEGAL_VALUE)
        return ReadFileRecordResponse(
            records=records, dev_id=device_id, transaction_id=self.transaction_id
        )


class WorldWriteFileRecordResponse(ModbusPDU):
    """The normal response to 0x15 is an echo of the request body."""

    function_code = 0x15

    def __init__(self, echo: bytes = b"", dev_id: int = 0, transaction_id: int = 0):
        super().__init__(dev_id=dev_id, transaction_id=transaction_id)
        self.echo = echo

    def encode(self) -> bytes:
        return self.echo[: 1 + self.echo[0]]


class WorldWriteFileRecord(WriteFileRecordRequest):
    def decode(self, data: bytes) -> None:
        # Parsed in datastore_update: the stock decoder halves odd record
        # lengths into an exception (see CONTRACT.md, peer quirks).
        self.raw = bytes(data)
        if not data or data[0] > len(data) - 1:
            raise ValueError("file record request: bad byte count")

    async def datastore_update(self, context, device_id):
        subs = _parse_subrequests(self.raw, with_data=True)
        byte_count = self.raw[0]
        if subs is None or not subs or not 0x09 <= byte_count <= 0xFB:
            return ExceptionResponse(self.function_code, ExcCodes.ILLEGAL_VALUE)
        for ref, file_no, rec, length, _ in subs:
            if (exc := _check_subrequest(ref, file_no, rec, length)) is not None:
                return ExceptionResponse(self.function_code, exc)
        for _ref, _file, rec, length, payload in subs:
            FILES.regs[rec : rec + length] = list(struct.unpack(f">{length}H", payload))
        return WorldWriteFileRecordResponse(
            echo=self.raw, dev_id=device_id, transaction_id=self.transaction_id
        )


CUSTOM_PDUS = [
    WorldReadExceptionStatus,
    WorldReportServerId,
    WorldReadFifo,
    WorldReadFileRecord,
    WorldWriteFileRecord,
]


def build_device() -> SimDevice:
    coils = [SimData(0, values=[coil(a) for a in range(N_BITS)], datatype=DataType.BITS)]
    dis = [SimData(0, values=[discrete_input(a) for a in range(N_BITS)], datatype=DataType.BITS)]
    hrs = [SimData(0, values=[holding(a) for a in range(N_REGS)], datatype=DataType.REGISTERS)]
    irs = [
        SimData(0, values=[input_register(a) for a in range(N_REGS)], datatype=DataType.REGISTERS)
    ]
    return SimDevice(id=UNIT, simdata=(coils, dis, hrs, irs))


async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("port", type=int, nargs="?")
    ap.add_argument("--framer", choices=["tcp", "rtu", "ascii"], default=None)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--device", help="serial line (RTU or ASCII) instead of PORT")
    ap.add_argument("--baud", "--baudrate", dest="baud", type=int, default=19200)
    ap.add_argument("--format", default="8N1", help="data bits, parity, stop bits (8N1, 7E1, ...)")
    args = ap.parse_args()
    if args.device:
        args.framer = args.framer or "rtu"
        if args.framer == "tcp":
            ap.error("--device takes --framer rtu or ascii")
    else:
        args.framer = args.framer or "tcp"
        if args.port is None or args.framer == "ascii":
            ap.error("PORT with --framer tcp or rtu, or --device PATH")
        if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
            print("py_server: loopback addresses only", file=sys.stderr)
            return 2

    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    framer = {"tcp": FramerType.SOCKET, "rtu": FramerType.RTU, "ascii": FramerType.ASCII}[args.framer]
    common = {
        "framer": framer,
        "identity": ModbusDeviceIdentification(info=dict(IDENTITY)),
        "custom_pdu": list(CUSTOM_PDUS),
    }
    if args.device:
        bytesize, parity, stopbits = peerscript.line_format(args.format)
        server = ModbusSerialServer(
            build_device(),
            port=args.device,
            baudrate=args.baud,
            bytesize=bytesize,
            parity=parity,
            stopbits=stopbits,
            **common,
        )
    else:
        server = ModbusTcpServer(build_device(), address=(args.host, args.port), **common)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await server.serve_forever(background=True)
    print("ready", flush=True)
    await stop.wait()
    await server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

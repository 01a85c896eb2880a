"""Reader for script.txt (the machine-readable script of CONTRACT.md), stdlib only.

The last field of a line (a step's description, a quirk's tag) may contain '|'."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCRIPT = os.path.join(HERE, "script.txt")
SERVERS = ("m2m", "pymodbus", "libmodbus")


@dataclass
class Step:
    id: str
    unit: int
    req: bytes
    rsp: bytes | None  # None: no response expected
    desc: str
    skip: bool = False
    quirk: str = ""  # Qn tag when a quirk line applied
    line: int = 0
    extra: dict = field(default_factory=dict)


def _hex(text: str, where: str) -> bytes:
    try:
        return bytes.fromhex("".join(text.split()))
    except ValueError as exc:
        raise ValueError(f"{where}: bad hex {text!r}") from exc


def load(path: str = DEFAULT_SCRIPT, server: str = "m2m", framer: str = "tcp") -> list[Step]:
    """Steps in order, with the quirk lines for (server, framer) applied."""
    steps: dict[str, Step] = {}
    order: list[str] = []
    quirks: list[tuple[str, str, str, str, str, int]] = []
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{path}:{n}"
            head = line.split("|", 1)[0].split()
            # the last field (description / tag) may itself contain '|'
            fields = [f.strip() for f in line.split("|", 3 if head[0] == "step" else 2)]
            if head[0] == "step" and len(head) == 3 and len(fields) == 4:
                sid, unit = head[1], int(head[2])
                if sid in steps:
                    raise ValueError(f"{where}: duplicate step {sid}")
                steps[sid] = Step(sid, unit, _hex(fields[1], where), _hex(fields[2], where), fields[3], line=n)
                order.append(sid)
            elif head[0] == "quirk" and len(head) == 4 and len(fields) == 3:
                quirks.append((head[1], head[2], head[3], fields[1], fields[2], n))
            else:
                raise ValueError(f"{where}: cannot parse {line!r}")
    for q_server, q_framer, sid, rsp, tag, n in quirks:
        if sid not in steps:
            raise ValueError(f"{path}:{n}: quirk for unknown step {sid}")
        if q_server != server or q_framer not in ("*", framer):
            continue
        step = steps[sid]
        step.quirk = tag
        if rsp == "skip":
            step.skip = True
        elif rsp == "none":
            step.rsp = None
        else:
            step.rsp = _hex(rsp, f"{path}:{n}")
    return [steps[s] for s in order]


def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def lrc(data: bytes) -> int:
    """Modbus ASCII LRC: the two's complement of the byte sum."""
    return -sum(data) & 0xFF


def line_format(text: str) -> tuple[int, str, int]:
    """(data bits, parity N/E/O, stop bits) of a serial character format such as "8N1" or "7E1"."""
    if len(text) != 3 or text[0] not in "5678" or text[1].upper() not in "NEO" or text[2] not in "12":
        raise ValueError(f"serial format {text!r}: want data bits, parity and stop bits, e.g. 8N1")
    return int(text[0]), text[1].upper(), int(text[2])

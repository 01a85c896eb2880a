#!/usr/bin/env python3
"""Generate the framed spec vectors from spec_pdu.json.

The PDU bytes and expected fields in spec_pdu.json are the examples of the
MODBUS Application Protocol Specification V1.1b3. This script only computes
the wrapping around them and writes:

  spec_tcp.json    MBAP header: transaction id 1, protocol 0, length = 1 + PDU length, unit id 0x11
  spec_rtu.json    address 0x11 + PDU + CRC-16/MODBUS (low byte first), plus CRC check vectors
  spec_ascii.json  ':' + hex(address 0x11 + PDU + LRC) in uppercase + CR LF, plus an LRC vector

Standard library only. Run from anywhere: python3 gen_framed.py
"""
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
UNIT = 0x11


def crc16_modbus(data: bytes) -> int:
    """CRC-16/MODBUS: reflected poly 0xA001, init 0xFFFF (serial line guide §6.2.2)."""
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def lrc(data: bytes) -> int:
    """LRC: two's complement of the 8-bit sum (serial line guide §6.2.1)."""
    return -sum(data) & 0xFF


# Known answers: the check value of "123456789", the serial line guide's own
# CRC example (frame 02 07 -> 0x1241, sent 41 12), and the widely published
# FC03 frame 11 03 006B 0003 -> 76 87 on the wire.
assert crc16_modbus(b"123456789") == 0x4B37
assert crc16_modbus(bytes.fromhex("0207")) == 0x1241
assert crc16_modbus(bytes.fromhex("1103006b0003")).to_bytes(2, "little") == bytes.fromhex("7687")
assert lrc(bytes.fromhex("1103006b0003")) == 0x7E


def tcp(pdu: bytes, tid: int = 1) -> str:
    return "%04x 0000 %04x %02x %s" % (tid, 1 + len(pdu), UNIT, pdu.hex())


def rtu(pdu: bytes, addr: int = UNIT) -> str:
    frame = bytes([addr]) + pdu
    return "%s %s" % (frame.hex(), crc16_modbus(frame).to_bytes(2, "little").hex())


def ascii_(pdu: bytes, addr: int = UNIT) -> str:
    frame = bytes([addr]) + pdu
    line = ":" + (frame + bytes([lrc(frame)])).hex().upper() + "\r\n"
    return line.encode("ascii").hex()


def wrap(vector, framing, encode, adu, note):
    out = {"description": vector["description"] + "; " + note, "framing": framing}
    for side in ("request", "response"):
        if side + "_hex" in vector:
            pdu = bytes.fromhex("".join(vector[side + "_hex"].split()))
            out[side + "_hex"] = encode(pdu)
    out["expect"] = {side: adu(pdu_json) for side, pdu_json in vector["expect"].items()}
    return out


def dump(name, vectors):
    """One key per line, values compact: readable and diff-friendly."""
    items = []
    for v in vectors:
        fields = ",\n   ".join("%s: %s" % (json.dumps(k), json.dumps(x, ensure_ascii=False)) for k, x in v.items())
        items.append("  {" + fields + "}")
    (HERE / name).write_text("[\n" + ",\n".join(items) + "\n]\n", encoding="utf-8")


def main():
    pdus = json.loads((HERE / "spec_pdu.json").read_text(encoding="utf-8"))
    as_tcp = lambda p: {"transaction_id": 1, "unit_id": UNIT, "pdu": p}
    as_serial = lambda p: {"address": UNIT, "pdu": p}

    dump("spec_tcp.json", [wrap(v, "tcp", tcp, as_tcp, "MBAP-wrapped (transaction 1, unit 0x11), header computed")
                           for v in pdus])

    fc07 = next(v for v in pdus if v["request_hex"] == "07")
    rtu_vectors = [wrap(v, "rtu", rtu, as_serial, "RTU, address 0x11, CRC computed") for v in pdus]
    rtu_vectors += [
        {"description": "Serial line guide V1.02 §6.2.2 CRC example: frame 02 07 (FC07 to address 2), CRC 0x1241 sent low byte first",
         "framing": "rtu", "request_hex": rtu(bytes.fromhex("07"), addr=2),
         "expect": {"request": {"address": 2, "pdu": fc07["expect"]["request"]}}},
        {"description": "CRC-16/MODBUS check value", "framing": "crc",
         "hex": b"123456789".hex(), "expect": {"crc": crc16_modbus(b"123456789")}},
        {"description": "CRC-16/MODBUS of the serial line guide V1.02 §6.2.2 example frame 02 07", "framing": "crc",
         "hex": "0207", "expect": {"crc": crc16_modbus(bytes.fromhex("0207"))}},
        {"description": "CRC-16/MODBUS of FC03 request 11 03 006B 0003 (widely published frame, 76 87 on the wire)",
         "framing": "crc", "hex": "1103006b0003", "expect": {"crc": crc16_modbus(bytes.fromhex("1103006b0003"))}},
    ]
    dump("spec_rtu.json", rtu_vectors)

    ascii_vectors = [wrap(v, "ascii", ascii_, as_serial, "ASCII, address 0x11, LRC computed") for v in pdus]
    ascii_vectors.append(
        {"description": "LRC of FC03 request 11 03 006B 0003 (serial line guide V1.02 §6.2.1 procedure; ':1103006B00037E' CR LF)",
         "framing": "lrc", "hex": "1103006b0003", "expect": {"lrc": lrc(bytes.fromhex("1103006b0003"))}})
    dump("spec_ascii.json", ascii_vectors)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Random Sparkplug B payloads made with the Python protobuf package (Google's runtime and the
protoc-generated sparkplug_b_pb2), for m2m-sparkplug's differential test (tests/peers.rs).

Usage: py_random.py SEED COUNT [--wrong-wire-types]
(run with the venv of setup.sh; sparkplug_b_pb2 beside it)

Prints a JSON list of vectors in the format of tests/vectors: {"description", "format", "hex",
"expect": {"payload": ...}, "canonical": bool}. The expected payload is written from the values
this script chose, in the JSON form of m2m-sparkplug's reprs; it is never produced by
m2m-sparkplug. Values go on the wire as the peers of the field write them, chosen at random:
Int8/16/32 sign-extended to 32 bits (Tahu Java, Ignition) or cut to their width (Tahu Python,
srad), UInt32 in int_value or long_value (Tahu JS). "canonical" says whether m2m-sparkplug's
encoder must give back the same bytes.

With --wrong-wire-types, fields of the schema's numbers with another wire type than the
schema's are put before or after the fields of the payload and of its metrics. Google's runtime
reads them as unknown fields (the script checks that it reads back the payload it made), so the
expected payload is the one chosen; these vectors are never canonical.
"""
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(sys.executable) + "/..")
import sparkplug_b_pb2 as pb  # noqa: E402

NAMES = {1: "Int8", 2: "Int16", 3: "Int32", 4: "Int64", 5: "UInt8", 6: "UInt16", 7: "UInt32",
         8: "UInt64", 9: "Float", 10: "Double", 11: "Boolean", 12: "String", 13: "DateTime",
         14: "Text", 15: "UUID", 16: "DataSet", 17: "Bytes", 18: "File",
         22: "Int8Array", 23: "Int16Array", 24: "Int32Array", 25: "Int64Array", 26: "UInt8Array",
         27: "UInt16Array", 28: "UInt32Array", 29: "UInt64Array", 30: "FloatArray",
         31: "DoubleArray", 32: "BooleanArray", 33: "StringArray", 34: "DateTimeArray"}
WIDTH = {1: 8, 2: 16, 3: 32, 4: 64, 5: 8, 6: 16, 7: 32, 8: 64}
PACK = {22: "b", 23: "h", 24: "i", 25: "q", 26: "B", 27: "H", 28: "I", 29: "Q", 30: "f",
        31: "d", 34: "Q"}


class Gen:
    def __init__(self, rng):
        self.r = rng
        self.canonical = True

    def text(self):
        alphabet = "abcXYZ09 _-/.:éü中€😀"
        return "".join(self.r.choice(alphabet) for _ in range(self.r.randint(0, 12)))

    def f32(self):
        return struct.unpack("<f", struct.pack("<f", self.r.uniform(-1e6, 1e6)))[0]

    def f64(self):
        return self.r.choice([0.0, -0.5, 1e300, self.r.uniform(-1e12, 1e12)])

    def int_of(self, dt):
        w = WIDTH[dt]
        if dt <= 4:
            return self.r.choice([-(2 ** (w - 1)), -1, 0, 1, 2 ** (w - 1) - 1,
                                  self.r.randint(-(2 ** (w - 1)), 2 ** (w - 1) - 1)])
        return self.r.choice([0, 1, 2 ** w - 1, self.r.randint(0, 2 ** w - 1)])

    def scalar(self, msg, dt):
        """Sets msg's value for datatype dt the way some peer writes it; returns the expected JSON
        value."""
        if dt in (1, 2, 3):
            v = self.int_of(dt)
            if self.r.random() < 0.5:
                msg.int_value = v & 0xFFFFFFFF
            else:
                msg.int_value = v & ((1 << WIDTH[dt]) - 1)
                self.canonical &= v >= 0
            return v
        if dt in (4, 8):
            v = self.int_of(dt)
            msg.long_value = v & 0xFFFFFFFFFFFFFFFF
            return v
        if dt in (5, 6, 7):
            v = self.int_of(dt)
            if dt == 7 and hasattr(msg, "long_value") and self.r.random() < 0.3:
                msg.long_value = v
                self.canonical = False
            else:
                msg.int_value = v
            return v
        if dt == 9:
            v = self.f32()
            msg.float_value = v
            return v
        if dt == 10:
            v = self.f64()
            msg.double_value = v
            return v
        if dt == 11:
            v = self.r.random() < 0.5
            msg.boolean_value = v
            return v
        if dt in (12, 14, 15):
            v = self.text()
            msg.string_value = v
            return v
        if dt == 13:
            v = self.r.randint(0, 2 ** 44)
            msg.long_value = v
            return v
        raise ValueError(dt)

    def array(self, dt):
        n = self.r.randint(0, 6)
        if dt == 32:
            vals = [self.r.random() < 0.5 for _ in range(n)]
            bits = bytearray((n + 7) // 8)
            for i, b in enumerate(vals):
                if b:
                    bits[i // 8] |= 0x80 >> (i % 8)
            return struct.pack("<I", n) + bytes(bits), vals
        if dt == 33:
            vals = [self.text() for _ in range(n)]
            return b"".join(s.encode() + b"\0" for s in vals), vals
        if dt == 30:
            vals = [self.f32() for _ in range(n)]
        elif dt == 31:
            vals = [self.f64() for _ in range(n)]
        elif dt == 34:
            vals = [self.r.randint(0, 2 ** 44) for _ in range(n)]
        else:
            vals = [self.int_of(dt - 21) for _ in range(n)]
        return b"".join(struct.pack("<" + PACK[dt], v) for v in vals), vals

    def dataset(self, ds):
        cols = self.r.randint(0, 4)
        types = [self.r.choice([3, 4, 9, 10, 11, 12]) for _ in range(cols)]
        ds.num_of_columns = cols
        names = ["c%d" % i for i in range(cols)]
        ds.columns.extend(names)
        ds.types.extend(types)
        rows = []
        for _ in range(self.r.randint(0, 3)):
            row = ds.rows.add()
            elems = []
            for t in types:
                e = row.elements.add()
                if self.r.random() < 0.1:
                    elems.append(None)  # a cell without a value
                    continue
                if t == 3:
                    v = self.int_of(3)
                    e.int_value = v & 0xFFFFFFFF
                elif t == 4:
                    v = self.int_of(4)
                    e.long_value = v & 0xFFFFFFFFFFFFFFFF
                elif t == 9:
                    v = self.f32()
                    e.float_value = v
                elif t == 10:
                    v = self.f64()
                    e.double_value = v
                elif t == 11:
                    v = self.r.random() < 0.5
                    e.boolean_value = v
                else:
                    v = self.text()
                    e.string_value = v
                elems.append(v)
            rows.append({"elements": elems})
        return {"num_of_columns": cols, "columns": names, "types": types, "rows": rows}

    def properties(self, ps):
        ps.SetInParent()
        keys, values = [], []
        if self.r.random() < 0.5:
            q = self.r.choice([0, 192, 500])
            ps.keys.append("Quality")
            v = ps.values.add()
            v.type = 3
            v.int_value = q
            keys.append("Quality")
            values.append({"datatype": "Int32", "value": q})
        if self.r.random() < 0.5:
            ps.keys.append("engUnit")
            v = ps.values.add()
            v.type = 12
            s = self.text()
            v.string_value = s
            keys.append("engUnit")
            values.append({"datatype": "String", "value": s})
        return {"keys": keys, "values": values}

    def metric(self, m):
        exp = {}
        if self.r.random() < 0.8:
            m.name = self.text()
            exp["name"] = m.name
        if self.r.random() < 0.4:
            m.alias = self.r.randint(0, 2 ** 40)
            exp["alias"] = m.alias
        if self.r.random() < 0.6:
            m.timestamp = self.r.randint(0, 2 ** 44)
            exp["timestamp"] = m.timestamp
        dt = self.r.choice(list(NAMES))
        m.datatype = dt
        exp["datatype"] = NAMES[dt]
        for flag in ("is_historical", "is_transient"):
            if self.r.random() < 0.2:
                b = self.r.random() < 0.5
                setattr(m, flag, b)
                exp[flag] = b
        if self.r.random() < 0.3:
            exp["properties"] = self.properties(m.properties)
        if self.r.random() < 0.1:
            m.is_null = True
            exp["is_null"] = True
            return exp
        if dt <= 15:
            exp["value"] = self.scalar(m, dt)
        elif dt == 16:
            exp["value"] = self.dataset(m.dataset_value)
        elif dt in (17, 18):
            b = bytes(self.r.randint(0, 255) for _ in range(self.r.randint(0, 8)))
            m.bytes_value = b
            exp["value"] = b.hex()
        else:
            b, vals = self.array(dt)
            m.bytes_value = b
            exp["value"] = vals
        return exp

    def payload(self):
        p = pb.Payload()
        exp = {}
        if self.r.random() < 0.9:
            p.timestamp = self.r.randint(0, 2 ** 44)
            exp["timestamp"] = p.timestamp
        exp["metrics"] = [self.metric(p.metrics.add()) for _ in range(self.r.randint(0, 8))]
        if self.r.random() < 0.8:
            p.seq = self.r.randint(0, 255)
            exp["seq"] = p.seq
        if self.r.random() < 0.2:
            p.uuid = self.text()
            exp["uuid"] = p.uuid
        if self.r.random() < 0.2:
            p.body = bytes(self.r.randint(0, 255) for _ in range(self.r.randint(0, 6)))
            exp["body"] = p.body.hex()
        return p, exp


# The wire type of each field of Payload and Payload.Metric in sparkplug_b.proto.
PAYLOAD_TYPES = {1: 0, 2: 2, 3: 0, 4: 2, 5: 2}
METRIC_TYPES = {1: 2, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 2, 9: 2, 10: 0, 11: 0, 12: 5, 13: 1,
                14: 0, 15: 2, 16: 2, 17: 2, 18: 2, 19: 2}


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def wrong_field(rng, types):
    """One field of a number of `types` with a wire type other than the schema's."""
    number = rng.choice(list(types))
    wire = rng.choice([w for w in (0, 1, 2, 3, 5) if w != types[number]])
    key = varint(number << 3 | wire)
    if wire == 0:
        return key + varint(rng.randint(0, 2 ** 64 - 1))
    if wire == 1:
        return key + bytes(rng.randint(0, 255) for _ in range(8))
    if wire == 5:
        return key + bytes(rng.randint(0, 255) for _ in range(4))
    if wire == 2:
        body = bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 5)))
        return key + varint(len(body)) + body
    # An empty group, or one holding a varint field.
    inner = rng.choice([b"", b"\x08\x01"])
    return key + inner + varint(number << 3 | 4)


def around(rng, body, types):
    """`body` with fields of the wrong wire type before and after it."""
    before = b"".join(wrong_field(rng, types) for _ in range(rng.randint(0, 2)))
    after = b"".join(wrong_field(rng, types) for _ in range(rng.randint(0, 2)))
    return before + body + after


def with_wrong_wire_types(rng, p):
    head = pb.Payload()
    head.CopyFrom(p)
    del head.metrics[:]
    metrics = b""
    for m in p.metrics:
        mb = around(rng, m.SerializeToString(), METRIC_TYPES)
        metrics += b"\x12" + varint(len(mb)) + mb
    data = around(rng, metrics + head.SerializeToString(), PAYLOAD_TYPES)
    back = pb.Payload.FromString(data)
    back.DiscardUnknownFields()
    assert back == p, "Google's runtime reads the injected fields as unknown"
    return data


def main():
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    wrong = sys.argv[3:] == ["--wrong-wire-types"]
    rng = random.Random(seed)
    out = []
    for i in range(count):
        g = Gen(rng)
        p, exp = g.payload()
        data = with_wrong_wire_types(rng, p) if wrong else p.SerializeToString()
        out.append({"description": "python protobuf random payload %d/%d%s"
                    % (seed, i, " with wrong wire types" if wrong else ""),
                    "format": "payload", "hex": data.hex(),
                    "expect": {"payload": exp}, "canonical": g.canonical and not wrong})
    json.dump(out, sys.stdout)


main()

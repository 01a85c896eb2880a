#!/usr/bin/env python3
"""Generates the Sparkplug B golden vectors with protoc (apt-get install protobuf-compiler).

Each payload is written here in protobuf text format and encoded by `protoc --encode` with the
Eclipse Tahu sparkplug_b.proto (tests/data/). The expected values are written by hand from the
Sparkplug 3.0.0 specification (§6.4.16 datatypes; array examples corrected where the specification
is wrong, see CORRECTED below), never produced by m2m-sparkplug. Run from this directory:
    python3 gen.py
"""
import json
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "..", "data")
MSG = "org.eclipse.tahu.protobuf.Payload"


def encode(text):
    out = subprocess.run(
        ["protoc", "--proto_path", PROTO_DIR, "--encode", MSG, "sparkplug_b.proto"],
        input=text.encode(), capture_output=True, check=True)
    return out.stdout.hex()


def esc(b):
    """Protobuf text-format escaping of a bytes value."""
    return "".join("\\%03o" % x for x in b)


def vec(description, text, payload, canonical_hex=None):
    v = {"description": description, "format": "payload", "hex": encode(text),
         "expect": {"payload": payload}}
    if canonical_hex is not None:
        v["expect"]["canonical_hex"] = canonical_hex
    return v


def one(dt_name, dt, value_text, value_json, extra="", description=None, canonical_value=None,
        metric_extra=None):
    template = 'timestamp: 1700000000000 metrics { name: "m" datatype: %d %s %s } seq: 1'
    text = template % (dt, value_text, extra)
    # A vector whose input is not in the canonical form carries the canonical encoding too.
    canonical_hex = None if canonical_value is None else encode(template % (dt, canonical_value, extra))
    metric = {"name": "m", "datatype": dt_name, "value": value_json, **(metric_extra or {})}
    payload = {"timestamp": 1700000000000, "metrics": [metric], "seq": 1}
    return vec(description or "%s (datatype %d), §6.4.16" % (dt_name, dt), text, payload,
               canonical_hex)


def le(fmt, values):
    return b"".join(struct.pack("<" + fmt, v) for v in values)


scalars = [
    # Int8/16/32 as Tahu Java and Ignition write them: sign-extended to 32 bits in int_value.
    one("Int8", 1, "int_value: %d" % (2**32 - 1), -1),
    one("Int8", 1, "int_value: 127", 127),
    one("Int16", 2, "int_value: %d" % (2**32 - 30000), -30000),
    one("Int32", 3, "int_value: %d" % (2**32 - 2**31), -2**31),
    one("Int64", 4, "long_value: %d" % (2**64 - 1), -1),
    one("UInt8", 5, "int_value: 250", 250),
    one("UInt16", 6, "int_value: 65535", 65535),
    one("UInt32", 7, "int_value: 4294967295", 4294967295),
    one("UInt64", 8, "long_value: 18446744073709551615", 18446744073709551615),
    one("Float", 9, "float_value: 1.5", 1.5),
    one("Double", 10, "double_value: -2.25", -2.25),
    one("Boolean", 11, "boolean_value: true", True),
    one("String", 12, 'string_value: "h\\303\\251llo"', "h\u00e9llo"),
    one("DateTime", 13, "long_value: 1256102875335", 1256102875335),
    one("Text", 14, 'string_value: "some text"', "some text"),
    one("UUID", 15, 'string_value: "8f3e2a3c-6d7b-4a1e-9c2b-0d5e6f7a8b9c"',
        "8f3e2a3c-6d7b-4a1e-9c2b-0d5e6f7a8b9c"),
    one("Bytes", 17, 'bytes_value: "%s"' % esc(b"\x00\x01\xfe\xff"), "0001feff"),
    one("File", 18, 'bytes_value: "%s"' % esc(b"PK\x03\x04"), "504b0304"),
    # Both sign styles decode: Tahu Python and srad write Int8 -1 as 255 (FF 01).
    one("Int8", 1, "int_value: 255", -1,
        description="Int8 -1 in the narrow form of Tahu Python and srad (FF 01): decodes as -1, "
                    "re-encodes sign-extended",
        canonical_value="int_value: 4294967295"),
    one("Int16", 2, "int_value: 65535", -1,
        description="Int16 -1 in the narrow form (FF FF 03): decodes as -1",
        canonical_value="int_value: 4294967295"),
    # UInt32 in long_value, as Tahu JS, Tahu Java, Tahu C and Ignition write it.
    one("UInt32", 7, "long_value: 3293969225", 3293969225,
        description="UInt32 in long_value (Tahu JS/Java/C, Ignition): decodes as the same value",
        canonical_value="int_value: 3293969225"),
    one("Int32", 3, "is_null: true", None, description="a null Int32 (is_null, no value)",
        metric_extra={"is_null": True}),
]

# §6.4.16 array examples. CORRECTED: the specification prints Int8Array [-23, 123] as EF 7B (-23 is
# E9), FloatArray and DoubleArray in big-endian order, and DateTimeArray with 12 bytes for two
# 8-byte values (the high zero bytes dropped). The bytes below are the little-endian packing the
# specification's text asks for.
arrays = [
    ("Int8Array", 22, le("b", [-23, 123]), [-23, 123]),
    ("Int16Array", 23, le("h", [-30000, 30000]), [-30000, 30000]),
    ("Int32Array", 24, le("i", [-1, 315338746]), [-1, 315338746]),
    ("Int64Array", 25, le("q", [-4270929666821191986, -3601064768563266876]),
     [-4270929666821191986, -3601064768563266876]),
    ("UInt8Array", 26, le("B", [23, 250]), [23, 250]),
    ("UInt16Array", 27, le("H", [30, 52360]), [30, 52360]),
    ("UInt32Array", 28, le("I", [52, 3293969225]), [52, 3293969225]),
    ("UInt64Array", 29, le("Q", [52, 16444743074749521625]), [52, 16444743074749521625]),
    ("FloatArray", 30, le("f", [1.23, 89.341]), [1.23, 89.341]),
    ("DoubleArray", 31, le("d", [12.354213, 1022.9123213]), [12.354213, 1022.9123213]),
    ("BooleanArray", 32, bytes([0x0C, 0, 0, 0, 0x34, 0xD0]),
     [False, False, True, True, False, True, False, False, True, True, False, True]),
    ("StringArray", 33, b"ABC\x00hello\x00", ["ABC", "hello"]),
    ("DateTimeArray", 34, le("Q", [1256102875335, 1656107875000]), [1256102875335, 1656107875000]),
]
# The specification's own byte strings that hold up (checked here so the corrections above are the
# only departures).
assert le("h", [-30000, 30000]) == bytes([0xD0, 0x8A, 0x30, 0x75])
assert le("i", [-1, 315338746]) == bytes([0xFF, 0xFF, 0xFF, 0xFF, 0xFA, 0xAF, 0xCB, 0x12])
assert le("B", [23, 250]) == bytes([0x17, 0xFA])
assert le("H", [30, 52360]) == bytes([0x1E, 0x00, 0x88, 0xCC])
assert le("I", [52, 3293969225]) == bytes([0x34, 0, 0, 0, 0x49, 0xFB, 0x55, 0xC4])
assert le("q", [-4270929666821191986, -3601064768563266876]) == bytes(
    [0xCE, 0x06, 0x72, 0xAC, 0x18, 0x9C, 0xBA, 0xC4, 0xC4, 0xBA, 0x9C, 0x18, 0xAC, 0x72, 0x06, 0xCE])
assert le("Q", [52, 16444743074749521625]) == bytes(
    [0x34, 0, 0, 0, 0, 0, 0, 0, 0xD9, 0x9E, 0x02, 0xD1, 0xB2, 0x76, 0x37, 0xE4])
# ... and the ones that do not: the printed bytes are the big-endian (or short) forms.
assert le("b", [-23]) == b"\xe9"
assert struct.pack(">f", 1.23) == bytes([0x3F, 0x9D, 0x70, 0xA4])
assert struct.pack(">d", 12.354213) == bytes([0x40, 0x28, 0xB5, 0x5B, 0x68, 0x05, 0xA2, 0xD7])
array_vectors = [
    one(name, dt, 'bytes_value: "%s"' % esc(b), values,
        description="%s (datatype %d), the §6.4.16 example%s" % (
            name, dt, " (corrected)" if name in ("Int8Array", "FloatArray", "DoubleArray",
                                                 "DateTimeArray") else ""))
    for name, dt, b, values in arrays
]

dataset = vec(
    "DataSet (datatype 16) with three typed columns and two rows, §6.4.9",
    'metrics { name: "ds" datatype: 16 dataset_value { num_of_columns: 3 columns: "a" columns: "b" '
    'columns: "c" types: 3 types: 12 types: 11 '
    'rows { elements { int_value: 4294967295 } elements { string_value: "x" } elements { boolean_value: true } } '
    'rows { elements { int_value: 7 } elements { string_value: "y" } elements { } } } }',
    {"metrics": [{"name": "ds", "datatype": "DataSet", "value": {
        "num_of_columns": 3, "columns": ["a", "b", "c"], "types": [3, 12, 11],
        "rows": [{"elements": [-1, "x", True]}, {"elements": [7, "y", None]}]}}]})

template = vec(
    "Template (datatype 19): a definition with a parameter and member metrics, §6.4.10",
    'metrics { name: "_types_/Motor" datatype: 19 template_value { version: "1.0" is_definition: true '
    'metrics { name: "rpm" datatype: 10 double_value: 0 } '
    'metrics { name: "sub" datatype: 19 template_value { template_ref: "Valve" is_definition: false '
    'metrics { name: "open" datatype: 11 boolean_value: false } } } '
    'parameters { name: "rated" type: 3 int_value: 4294967294 } } }',
    {"metrics": [{"name": "_types_/Motor", "datatype": "Template", "value": {
        "version": "1.0", "is_definition": True,
        "metrics": [
            {"name": "rpm", "datatype": "Double", "value": 0.0},
            {"name": "sub", "datatype": "Template", "value": {
                "template_ref": "Valve", "is_definition": False,
                "metrics": [{"name": "open", "datatype": "Boolean", "value": False}],
                "parameters": []}}],
        "parameters": [{"name": "rated", "datatype": "Int32", "value": -2}]}}]})

properties = vec(
    "PropertySet and PropertySetList (datatypes 20, 21) and MetaData on a metric, §6.4.4-§6.4.8",
    'metrics { name: "p" datatype: 12 '
    'metadata { is_multi_part: false content_type: "text/plain" size: 5 seq: 0 file_name: "a.txt" '
    'file_type: "txt" md5: "d41d8cd98f00b204e9800998ecf8427e" description: "d" } '
    'properties { keys: "engUnit" keys: "Quality" keys: "nested" keys: "list" '
    'values { type: 12 string_value: "rpm" } values { type: 3 int_value: 192 } '
    'values { type: 20 propertyset_value { keys: "k" values { type: 11 boolean_value: true } } } '
    'values { type: 21 propertysets_value { propertyset { keys: "a" values { type: 8 long_value: 9 } } '
    'propertyset { } } } } string_value: "hello" }',
    {"metrics": [{"name": "p", "datatype": "String", "value": "hello",
                  "metadata": {"is_multi_part": False, "content_type": "text/plain", "size": 5,
                               "seq": 0, "file_name": "a.txt", "file_type": "txt",
                               "md5": "d41d8cd98f00b204e9800998ecf8427e", "description": "d"},
                  "properties": {
                      "keys": ["engUnit", "Quality", "nested", "list"],
                      "values": [
                          {"datatype": "String", "value": "rpm"},
                          {"datatype": "Int32", "value": 192},
                          {"datatype": "PropertySet", "value": {
                              "keys": ["k"], "values": [{"datatype": "Boolean", "value": True}]}},
                          {"datatype": "PropertySetList", "value": [
                              {"keys": ["a"], "values": [{"datatype": "UInt64", "value": 9}]},
                              {"keys": [], "values": []}]}]}}]})

messages = [
    vec("NBIRTH: bdSeq, Node Control/Rebirth and metrics with aliases, seq 0 (§6.4.18 shape)",
        'timestamp: 1486144502122 '
        'metrics { name: "bdSeq" timestamp: 1486144502122 datatype: 8 long_value: 0 } '
        'metrics { name: "Node Control/Rebirth" timestamp: 1486144502122 datatype: 11 boolean_value: false } '
        'metrics { name: "Supply Voltage" alias: 1 timestamp: 1486144502122 datatype: 9 float_value: 12.5 } '
        'metrics { name: "Temperature" alias: 2 timestamp: 1486144502122 datatype: 3 int_value: %d } '
        'seq: 0' % (2**32 - 5),
        {"timestamp": 1486144502122, "seq": 0, "metrics": [
            {"name": "bdSeq", "timestamp": 1486144502122, "datatype": "UInt64", "value": 0},
            {"name": "Node Control/Rebirth", "timestamp": 1486144502122, "datatype": "Boolean",
             "value": False},
            {"name": "Supply Voltage", "alias": 1, "timestamp": 1486144502122, "datatype": "Float",
             "value": 12.5},
            {"name": "Temperature", "alias": 2, "timestamp": 1486144502122, "datatype": "Int32",
             "value": -5}]}),
    vec("DBIRTH: a device's metrics with names, aliases and datatypes, seq 1",
        'timestamp: 1486144502122 '
        'metrics { name: "Inputs/A" alias: 3 timestamp: 1486144502122 datatype: 11 boolean_value: false } '
        'metrics { name: "Outputs/Level" alias: 4 timestamp: 1486144502122 datatype: 7 int_value: 70000 } '
        'seq: 1',
        {"timestamp": 1486144502122, "seq": 1, "metrics": [
            {"name": "Inputs/A", "alias": 3, "timestamp": 1486144502122, "datatype": "Boolean",
             "value": False},
            {"name": "Outputs/Level", "alias": 4, "timestamp": 1486144502122, "datatype": "UInt32",
             "value": 70000}]}),
    vec("NDATA: alias-only metrics without datatype (the value is kept as on the wire), seq 255",
        'timestamp: 1486144502123 '
        'metrics { alias: 1 timestamp: 1486144502123 float_value: 12.75 } '
        'metrics { alias: 2 timestamp: 1486144502123 int_value: 21 } seq: 255',
        {"timestamp": 1486144502123, "seq": 255, "metrics": [
            {"alias": 1, "timestamp": 1486144502123, "value": {"float_value": 12.75}},
            {"alias": 2, "timestamp": 1486144502123, "value": {"int_value": 21}}]}),
    vec("DDATA: alias and datatype, seq 2",
        'timestamp: 1486144502124 metrics { alias: 4 timestamp: 1486144502124 datatype: 7 int_value: 5 } seq: 2',
        {"timestamp": 1486144502124, "seq": 2, "metrics": [
            {"alias": 4, "timestamp": 1486144502124, "datatype": "UInt32", "value": 5}]}),
    vec("NDEATH: bdSeq only, no seq (§6.4.19 shape)",
        'timestamp: 1486144502122 metrics { name: "bdSeq" timestamp: 1486144502122 datatype: 8 long_value: 3 }',
        {"timestamp": 1486144502122, "metrics": [
            {"name": "bdSeq", "timestamp": 1486144502122, "datatype": "UInt64", "value": 3}]}),
    vec("NCMD: Node Control/Rebirth true, no seq",
        'timestamp: 1486144502125 metrics { name: "Node Control/Rebirth" timestamp: 1486144502125 '
        'datatype: 11 boolean_value: true }',
        {"timestamp": 1486144502125, "metrics": [
            {"name": "Node Control/Rebirth", "timestamp": 1486144502125, "datatype": "Boolean",
             "value": True}]}),
    vec("DCMD: write an output by name, no seq",
        'timestamp: 1486144502126 metrics { name: "Outputs/A" timestamp: 1486144502126 datatype: 11 boolean_value: true }',
        {"timestamp": 1486144502126, "metrics": [
            {"name": "Outputs/A", "timestamp": 1486144502126, "datatype": "Boolean", "value": True}]}),
    vec("Payload with uuid and body and a historical, transient metric",
        'timestamp: 5 metrics { name: "h" alias: 9 datatype: 4 is_historical: true is_transient: true '
        'long_value: 300 } seq: 3 uuid: "u-1" body: "\\001\\002"',
        {"timestamp": 5, "seq": 3, "uuid": "u-1", "body": "0102", "metrics": [
            {"name": "h", "alias": 9, "datatype": "Int64", "is_historical": True,
             "is_transient": True, "value": 300}]}),
]

# Non-finite floats: JSON has no numbers for NaN and the infinities, so the JSON form writes them as
# the strings "NaN", "Infinity" and "-Infinity" wherever a Float or Double is (JSON.md). protoc
# writes `nan` as the quiet NaN (7FC00000, 7FF8000000000000), as struct.pack does below.
NAN, INF = float("nan"), float("inf")
nonfinite = [
    one("Float", 9, "float_value: nan", "NaN", description="Float NaN"),
    one("Float", 9, "float_value: inf", "Infinity", description="Float +infinity"),
    one("Double", 10, "double_value: -inf", "-Infinity", description="Double -infinity"),
    one("Double", 10, "double_value: nan", "NaN", description="Double NaN"),
    one("FloatArray", 30, 'bytes_value: "%s"' % esc(le("f", [NAN, INF, -INF, 1.5])),
        ["NaN", "Infinity", "-Infinity", 1.5],
        description="FloatArray with NaN and infinities"),
    one("DoubleArray", 31, 'bytes_value: "%s"' % esc(le("d", [-INF, NAN, 0.25])),
        ["-Infinity", "NaN", 0.25], description="DoubleArray with NaN and -infinity"),
    vec("DataSet cells NaN and infinite (an empty cell stays null)",
        'metrics { name: "ds" datatype: 16 dataset_value { num_of_columns: 2 columns: "f" '
        'columns: "d" types: 9 types: 10 '
        'rows { elements { float_value: nan } elements { double_value: inf } } '
        'rows { elements { float_value: -inf } elements { } } } }',
        {"metrics": [{"name": "ds", "datatype": "DataSet", "value": {
            "num_of_columns": 2, "columns": ["f", "d"], "types": [9, 10],
            "rows": [{"elements": ["NaN", "Infinity"]}, {"elements": ["-Infinity", None]}]}}]}),
    vec("Property values NaN and infinite",
        'metrics { name: "p" datatype: 11 properties { keys: "d" keys: "f" '
        'values { type: 10 double_value: nan } values { type: 9 float_value: -inf } } '
        'boolean_value: true }',
        {"metrics": [{"name": "p", "datatype": "Boolean", "value": True, "properties": {
            "keys": ["d", "f"],
            "values": [{"datatype": "Double", "value": "NaN"},
                       {"datatype": "Float", "value": "-Infinity"}]}}]}),
    vec("Template parameters NaN and infinite",
        'metrics { name: "t" datatype: 19 template_value { template_ref: "T" is_definition: false '
        'parameters { name: "f" type: 9 float_value: inf } '
        'parameters { name: "d" type: 10 double_value: nan } } }',
        {"metrics": [{"name": "t", "datatype": "Template", "value": {
            "template_ref": "T", "is_definition": False, "metrics": [],
            "parameters": [{"name": "f", "datatype": "Float", "value": "Infinity"},
                           {"name": "d", "datatype": "Double", "value": "NaN"}]}}]}),
    vec("Alias-only metrics (no datatype) with non-finite float_value and double_value",
        'metrics { alias: 1 float_value: -inf } metrics { alias: 2 double_value: nan }',
        {"metrics": [{"alias": 1, "value": {"float_value": "-Infinity"}},
                     {"alias": 2, "value": {"double_value": "NaN"}}]}),
]
assert le("f", [NAN]) == bytes([0, 0, 0xC0, 0x7F])
assert le("d", [NAN]) == bytes([0, 0, 0, 0, 0, 0, 0xF8, 0x7F])

files = {
    "datatypes.json": scalars,
    "arrays.json": array_vectors,
    "complex.json": [dataset, template, properties],
    "messages.json": messages,
    "nonfinite.json": nonfinite,
}
for name, vs in files.items():
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(vs, f, indent=1)
        f.write("\n")
print("wrote", sum(len(v) for v in files.values()), "vectors")

// Payloads encoded by npm sparkplug-payload 1.0.3 (Eclipse Tahu JS), for m2m-sparkplug's interop
// test (tests/peers.rs). Usage: node tahu_js.js (with sparkplug-payload in NODE_PATH).
//
// Prints a JSON list of vectors in the format of tests/vectors: {"description", "format", "hex",
// "expect": {"payload": ...}}. The expected payload is the input given to Tahu JS, written in the
// JSON form of m2m-sparkplug's reprs by this script; m2m-sparkplug does not produce it. Tahu JS
// writes UInt32 in long_value and Int8/16/32 sign-extended to 32 bits.
"use strict";
const sparkplug = require("sparkplug-payload").get("spBv1.0");
const Long = require("long");

const TS = 1700000000000;
const vectors = [];

function vec(description, input, expected) {
  const bytes = Buffer.from(sparkplug.encodePayload(input));
  vectors.push({
    description: "Tahu JS: " + description,
    format: "payload",
    hex: bytes.toString("hex"),
    expect: { payload: expected },
  });
}

// One metric of each scalar datatype Tahu JS knows, with the value as given and as expected.
const scalars = [
  ["Int8", -128], ["Int8", -1], ["Int8", 127],
  ["Int16", -32768], ["Int16", 1234],
  ["Int32", -2147483648], ["Int32", 2147483647], ["Int32", -1],
  ["Int64", -1], ["Int64", 9007199254740991], ["Int64", -9007199254740991],
  ["UInt8", 255], ["UInt16", 65535], ["UInt32", 4294967295], ["UInt32", 7],
  ["UInt64", 9007199254740991],
  ["Float", 1.5], ["Float", -0.25],
  ["Double", 3.141592653589793], ["Double", -1e300],
  ["Boolean", true], ["Boolean", false],
  ["String", "héllo 中 😀"], ["Text", "a longer text"], ["UUID", "123e4567-e89b-12d3-a456-426614174000"],
  ["DateTime", TS],
];
for (const [type, value] of scalars) {
  vec(type + " " + value,
    { timestamp: TS, metrics: [{ name: "m", type, value }], seq: 1 },
    { timestamp: TS, metrics: [{ name: "m", datatype: type, value }], seq: 1 });
}

// Int64 and UInt64 beyond 2^53, as Long.
vec("UInt64 max as Long",
  { timestamp: TS, metrics: [{ name: "m", type: "UInt64", value: Long.fromString("18446744073709551615", true) }] },
  { timestamp: TS, metrics: [{ name: "m", datatype: "UInt64", value: 18446744073709551615n }] });
vec("Int64 min as Long",
  { timestamp: TS, metrics: [{ name: "m", type: "Int64", value: Long.fromString("-9223372036854775808") }] },
  { timestamp: TS, metrics: [{ name: "m", datatype: "Int64", value: -9223372036854775808n }] });

// Bytes and File.
vec("Bytes",
  { timestamp: TS, metrics: [{ name: "b", type: "Bytes", value: Buffer.from([0, 1, 254, 255]) }] },
  { timestamp: TS, metrics: [{ name: "b", datatype: "Bytes", value: "0001feff" }] });
vec("File",
  { timestamp: TS, metrics: [{ name: "f", type: "File", value: Buffer.from("abc") }] },
  { timestamp: TS, metrics: [{ name: "f", datatype: "File", value: "616263" }] });

// A null metric, aliases, flags, properties and metadata, as an NBIRTH and an NDATA carry them.
vec("NBIRTH with aliases, properties and metadata",
  {
    timestamp: TS,
    metrics: [
      { name: "bdSeq", type: "UInt64", value: 3 },
      { name: "Node Control/Rebirth", type: "Boolean", value: false },
      {
        name: "Temperature", alias: 1, timestamp: TS, type: "Double", value: 21.5,
        properties: { Quality: { type: "Int32", value: 192 }, engUnit: { type: "String", value: "C" } },
      },
      { name: "Missing", alias: 2, type: "Int32", value: null },
      {
        name: "Log", alias: 3, type: "String", value: "x", isHistorical: true, isTransient: false,
        metadata: { contentType: "text/plain", size: 1, md5: "0cc175b9c0f1b6a831c399e269772661" },
      },
    ],
    seq: 0,
  },
  {
    timestamp: TS,
    metrics: [
      { name: "bdSeq", datatype: "UInt64", value: 3 },
      { name: "Node Control/Rebirth", datatype: "Boolean", value: false },
      {
        name: "Temperature", alias: 1, timestamp: TS, datatype: "Double", value: 21.5,
        properties: {
          keys: ["Quality", "engUnit"],
          values: [{ datatype: "Int32", value: 192 }, { datatype: "String", value: "C" }],
        },
      },
      { name: "Missing", alias: 2, datatype: "Int32", is_null: true },
      {
        name: "Log", alias: 3, datatype: "String", value: "x", is_historical: true, is_transient: false,
        metadata: { content_type: "text/plain", size: 1, md5: "0cc175b9c0f1b6a831c399e269772661" },
      },
    ],
    seq: 0,
  });

// DataSet (Tahu JS puts UInt32 cells in long_value too).
vec("DataSet",
  {
    timestamp: TS,
    metrics: [{
      name: "ds", type: "DataSet",
      value: {
        numOfColumns: 4, columns: ["i", "u", "s", "b"], types: ["Int32", "UInt32", "String", "Boolean"],
        rows: [[-5, 4000000000, "x", true], [7, 0, "", false]],
      },
    }],
  },
  {
    timestamp: TS,
    metrics: [{
      name: "ds", datatype: "DataSet",
      value: {
        num_of_columns: 4, columns: ["i", "u", "s", "b"], types: [3, 7, 12, 11],
        rows: [{ elements: [-5, 4000000000, "x", true] }, { elements: [7, 0, "", false] }],
      },
    }],
  });

// A template definition and an instance.
vec("Template definition and instance",
  {
    timestamp: TS,
    metrics: [
      {
        name: "_types_/Motor", type: "Template",
        value: {
          version: "1.0", isDefinition: true,
          metrics: [{ name: "rpm", type: "Double", value: 0 }],
          parameters: [{ name: "rated", type: "Int32", value: -2 }],
        },
      },
      {
        name: "Motor1", type: "Template",
        value: {
          templateRef: "Motor", isDefinition: false,
          metrics: [{ name: "rpm", type: "Double", value: 1450.5 }],
          parameters: [{ name: "rated", type: "Int32", value: 11 }],
        },
      },
    ],
    seq: 2,
  },
  {
    timestamp: TS,
    metrics: [
      {
        name: "_types_/Motor", datatype: "Template",
        value: {
          version: "1.0", is_definition: true,
          metrics: [{ name: "rpm", datatype: "Double", value: 0 }],
          parameters: [{ name: "rated", datatype: "Int32", value: -2 }],
        },
      },
      {
        name: "Motor1", datatype: "Template",
        value: {
          template_ref: "Motor", is_definition: false,
          metrics: [{ name: "rpm", datatype: "Double", value: 1450.5 }],
          parameters: [{ name: "rated", datatype: "Int32", value: 11 }],
        },
      },
    ],
    seq: 2,
  });

// uuid and body.
vec("uuid and body",
  { timestamp: TS, metrics: [], seq: 9, uuid: "u-1", body: Buffer.from([1, 2, 3]) },
  { timestamp: TS, metrics: [], seq: 9, uuid: "u-1", body: "010203" });

// BigInts (the 64-bit extremes) go out as exact JSON integers.
process.stdout.write(JSON.stringify(vectors, (k, v) => (typeof v === "bigint" ? "BIGINT:" + v : v))
  .replace(/"BIGINT:(-?\d+)"/g, "$1"));

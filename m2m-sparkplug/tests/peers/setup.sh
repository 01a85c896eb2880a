#!/usr/bin/env bash
# Installs the Sparkplug reference encoders the interop tests use, under $SPARKPLUG_PEERS
# (default <repo>/target/sparkplug-peers):
#   venv/   Python venv with the protobuf package (pinned), and sparkplug_b_pb2.py made by protoc
#   node/   npm sparkplug-payload@1.0.3 (Eclipse Tahu JS)
# Needs python3 (with venv), protoc and npm. Prints the directory on success.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
OUT=${SPARKPLUG_PEERS:-$ROOT/target/sparkplug-peers}
PROTOBUF_VERSION=4.25.3
SPARKPLUG_PAYLOAD_VERSION=1.0.3
mkdir -p "$OUT"

if [[ ! -x $OUT/venv/bin/python ]] || ! "$OUT/venv/bin/python" -c "import google.protobuf" 2>/dev/null; then
  python3 -m venv --clear "$OUT/venv" >/dev/null
  "$OUT/venv/bin/pip" install -q --disable-pip-version-check "protobuf==$PROTOBUF_VERSION"
fi
protoc --proto_path "$HERE/../data" --python_out "$OUT/venv" sparkplug_b.proto

if [[ ! -d $OUT/node/node_modules/sparkplug-payload ]]; then
  mkdir -p "$OUT/node"
  (cd "$OUT/node" && npm install --silent --no-audit --no-fund --no-save \
     "sparkplug-payload@$SPARKPLUG_PAYLOAD_VERSION" >/dev/null)
fi
echo "$OUT"

#!/usr/bin/env bash
# setup.sh [NODE_MODULES_DIR]
# Installs the two LwM2M peers (and their dependencies, e.g. smartobject,
# lwm2m-codec, coap) with npm into NODE_MODULES_DIR
# (default: ./node_modules beside this script).  Idempotent: does nothing when
# the exact versions are already installed there.
# Prints one JSON line; exits non-zero on failure.
set -euo pipefail

PEERS=("coap-node@0.2.5" "lwm2m-node-lib@1.4.0")
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:-$here/node_modules}"

# npm --prefix P installs into P/node_modules: accept either form of argument.
if [ "$(basename "$target")" = "node_modules" ]; then
  prefix="$(dirname "$target")"
else
  prefix="$target"; target="$prefix/node_modules"
fi
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"; target="$prefix/node_modules"

# True when every peer is present with the exact version.
installed() {
  local spec name ver got
  for spec in "${PEERS[@]}" "smartobject@"; do
    name="${spec%@*}"; ver="${spec##*@}"
    got="$(node -p "require('$target/$name/package.json').version" 2>/dev/null)" || return 1
    [ -z "$ver" ] || [ "$got" = "$ver" ] || return 1
  done
}

if installed; then
  echo "{\"event\":\"setup\",\"status\":\"already-installed\",\"node_modules\":\"$target\"}"
  exit 0
fi

# Diagnostics go to stderr so stdout stays one JSON line.
npm install --no-audit --no-fund --save-exact --prefix "$prefix" "${PEERS[@]}" 1>&2

if installed; then
  echo "{\"event\":\"setup\",\"status\":\"installed\",\"node_modules\":\"$target\"}"
else
  echo "{\"event\":\"error\",\"message\":\"peers missing after npm install in $target\"}"
  exit 1
fi

#!/usr/bin/env bash
# Installs the CoAP interoperability peers; idempotent and quiet on success. Prints NAME=PATH lines.
#
#   Debian: libcoap3-bin (coap-client-notls, coap-server-notls; libcoap 4.3.1)
#   venv:   $COAP_PEERS_VENV (default <repo>/target/coap-peers-venv) with aiocoap[ws]==$AIOCOAP_VERSION
set -euo pipefail

AIOCOAP_VERSION=0.4.17

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/../../.." && pwd))
VENV=${COAP_PEERS_VENV:-$ROOT/target/coap-peers-venv}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup.sh: failed: $*" >&2
    exit 1
  fi
}
SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)

if ! command -v coap-client-notls >/dev/null || ! command -v coap-server-notls >/dev/null; then
  run "${SUDO[@]}" apt-get update
  run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libcoap3-bin
fi

PY=$VENV/bin/python
have_aiocoap() {
  [[ -x $PY ]] && "$PY" -c "import sys, websockets, aiocoap.meta; sys.exit(aiocoap.meta.version != '$AIOCOAP_VERSION')" 2>/dev/null
}
if ! have_aiocoap; then
  mkdir -p "$(dirname "$VENV")"
  if ! python3 -m venv --clear "$VENV" >"$log" 2>&1; then
    run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv
    run python3 -m venv --clear "$VENV"
  fi
  run "$PY" -m pip install --quiet --disable-pip-version-check "aiocoap[ws]==$AIOCOAP_VERSION"
  have_aiocoap || { echo "setup.sh: aiocoap $AIOCOAP_VERSION did not install" >&2; exit 1; }
fi

echo "COAP_PEERS_PYTHON=$PY"
echo "COAP_CLIENT_NOTLS=$(command -v coap-client-notls)"
echo "COAP_SERVER_NOTLS=$(command -v coap-server-notls)"

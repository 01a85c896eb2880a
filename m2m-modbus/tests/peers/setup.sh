#!/usr/bin/env bash
# Installs and builds the interoperability peers (see CONTRACT.md).
# Idempotent and quiet on success; prints the paths it produced as NAME=PATH lines.
#
#   Debian: libmodbus-dev mbpoll pkg-config socat (apt-get, only what is missing)
#   venv:   $PEERS_VENV (default <repo>/target/peers-venv) with pymodbus==$PYMODBUS_VERSION and
#           pyserial==$PYSERIAL_VERSION (pymodbus's serial client and server need it)
#   C:      $PEERS_BIN  (default <repo>/target/peers-bin): lm_server, lm_client
set -euo pipefail

PYMODBUS_VERSION=3.16.1
PYSERIAL_VERSION=3.5

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/../../.." && pwd))
VENV=${PEERS_VENV:-$ROOT/target/peers-venv}
BIN=${PEERS_BIN:-$ROOT/target/peers-bin}

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# run CMD...: quiet unless it fails, then show its output and stop
run() {
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup.sh: failed: $*" >&2
    exit 1
  fi
}

SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
apt_updated=0
apt_install() {
  if [[ $apt_updated -eq 0 ]]; then
    run "${SUDO[@]}" apt-get update
    apt_updated=1
  fi
  run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# ---- 1. Debian packages
missing=()
for pkg in libmodbus-dev mbpoll pkg-config socat; do
  installed "$pkg" || missing+=("$pkg")
done
command -v cc >/dev/null || missing+=(gcc libc6-dev)
if ((${#missing[@]})); then
  apt_install "${missing[@]}"
fi

# ---- 2. Python venv with a pinned pymodbus and pyserial
PY=$VENV/bin/python
have_pymodbus() {
  [[ -x $PY ]] && "$PY" -c "import sys, pymodbus; sys.exit(pymodbus.__version__ != '$PYMODBUS_VERSION')" 2>/dev/null
}
if ! have_pymodbus; then
  mkdir -p "$(dirname "$VENV")"
  if ! python3 -m venv --clear "$VENV" >"$log" 2>&1; then
    # Debian's python3 needs python3-venv for ensurepip
    apt_install python3-venv
    run python3 -m venv --clear "$VENV"
  fi
  run "$PY" -m pip install --quiet --disable-pip-version-check "pymodbus==$PYMODBUS_VERSION"
  have_pymodbus || { echo "setup.sh: pymodbus $PYMODBUS_VERSION did not install" >&2; exit 1; }
fi
# pyserial for the serial pairs (a venv made before they existed lacks it)
have_pyserial() {
  "$PY" -c "import sys, serial; sys.exit(serial.__version__ != '$PYSERIAL_VERSION')" 2>/dev/null
}
if ! have_pyserial; then
  run "$PY" -m pip install --quiet --disable-pip-version-check "pyserial==$PYSERIAL_VERSION"
  have_pyserial || { echo "setup.sh: pyserial $PYSERIAL_VERSION did not install" >&2; exit 1; }
fi

# ---- 3. C peers
mkdir -p "$BIN"
LM_FLAGS=$(pkg-config --cflags --libs libmodbus)
build() { # build NAME EXTRA_CFLAGS...
  local name=$1 src=$HERE/$1.c out=$BIN/$1
  shift
  if [[ ! -x $out || $src -nt $out || ${BASH_SOURCE[0]} -nt $out ]]; then
    # shellcheck disable=SC2086  # LM_FLAGS is a list of flags
    run cc -O2 -Wall -Wextra -o "$out" "$src" "$@" $LM_FLAGS
  fi
}
build lm_server
build lm_client "-DPEERS_SCRIPT=\"$HERE/script.txt\""

echo "PEERS_VENV=$VENV"
echo "PEERS_PYTHON=$PY"
echo "PEERS_BIN=$BIN"
echo "LM_SERVER=$BIN/lm_server"
echo "LM_CLIENT=$BIN/lm_client"
echo "MBPOLL=$(command -v mbpoll)"

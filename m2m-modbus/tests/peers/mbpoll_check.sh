#!/usr/bin/env bash
# mbpoll against a freshly started world server (CONTRACT.md), Modbus TCP or RTU.
#
# Usage: mbpoll_check.sh HOST PORT [--framer tcp|rtu] [--device PATH]
#
# mbpoll speaks RTU only on a serial line: with --framer rtu it polls the serial line PATH
# (the matrix makes a pty and bridges it with socat to the server's RTU-over-TCP port).
#
# mbpoll numbers references from 1 unless -0 is given: "-r 1" is PDU address 0
# (and is printed as "[1]"), while "-0 -r 0" is PDU address 0 printed as "[0]".
# Both forms are exercised. Prints one line per check and the final line
# "N passed, M failed"; exits 0 only if nothing failed.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 HOST PORT [--framer tcp|rtu] [--device PATH]" >&2
  exit 2
fi
HOST=$1 PORT=$2
shift 2
FRAMER=tcp DEVICE=
while [[ $# -gt 0 ]]; do
  if [[ $# -lt 2 ]]; then
    echo "mbpoll_check: $1 needs a value" >&2
    exit 2
  fi
  case $1 in
    --framer) FRAMER=$2 ;;
    --device) DEVICE=$2 ;;
    *)
      echo "mbpoll_check: unknown argument $1" >&2
      exit 2
      ;;
  esac
  shift 2
done
case $FRAMER in
  tcp) MODE=(-m tcp -p "$PORT") TARGET=$HOST ;;
  rtu)
    [[ -n $DEVICE ]] || { echo "mbpoll_check: --framer rtu needs --device PATH" >&2; exit 2; }
    MODE=(-m rtu -b 19200 -P none) TARGET=$DEVICE
    ;;
  *)
    echo "mbpoll_check: --framer tcp or rtu" >&2
    exit 2
    ;;
esac
case $HOST in 127.* | localhost) ;; *)
  echo "mbpoll_check: loopback addresses only" >&2
  exit 2
  ;;
esac
command -v mbpoll >/dev/null || { echo "FAIL mbpoll is not installed"; echo "0 passed, 1 failed"; exit 1; }

UNIT=17
passed=0 failed=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# mb ARGS... : one mbpoll poll against the server, output in $out/$err, status in $rc
silent=0
mb() {
  rc=0
  if ((silent >= 3)); then # the server stopped answering: do not wait again
    echo "(not run: 3 polls in a row timed out)" >"$err"
    : >"$out"
    rc=124
    return
  fi
  timeout 10 mbpoll "${MODE[@]}" -a "$UNIT" -1 -o 1 "$@" >"$out" 2>"$err" || rc=$?
  if grep -q 'timed out' "$err"; then silent=$((silent + 1)); else silent=0; fi
}

# The "[ref]: value" lines mbpoll printed, as "ref=value" words (first number only:
# mbpoll adds the signed reading in parentheses for values above 32767).
readings() {
  sed -n 's/^\[\([0-9]*\)\]:[[:space:]]*\([-0-9]*\).*/\1=\2/p' "$out" | tr '\n' ' ' | sed 's/ $//'
}

check() { # check NAME EXPECTED GOT
  if [[ $2 == "$3" ]]; then
    passed=$((passed + 1))
    echo "ok   $1: $3"
  else
    failed=$((failed + 1))
    echo "FAIL $1: got '$3', want '$2' (mbpoll exit $rc: $(tr '\n' ' ' <"$err"))"
  fi
}

echo "# mbpoll_check ($(mbpoll -V 2>&1 | head -1)) -> $HOST:$PORT framer=$FRAMER ${DEVICE:+device=$DEVICE}"

mb -t 4 -r 1 -c 3 "$TARGET"
check "holding registers, 1-based refs 1..=3 (PDU 0..=2)" "1=1 2=4 3=7" "$(readings)"

mb -0 -t 4 -r 997 -c 3 "$TARGET"
check "holding registers, -0 refs 997..=999" "997=2992 998=2995 999=2998" "$(readings)"

mb -t 3 -r 1000 -c 1 "$TARGET"
check "input register, 1-based ref 1000 (PDU 999)" "1000=64536" "$(readings)"

mb -0 -t 3 -r 0 -c 2 "$TARGET"
check "input registers, -0 refs 0..=1" "0=65535 1=65534" "$(readings)"

mb -t 0 -r 1 -c 10 "$TARGET"
check "coils, 1-based refs 1..=10 (PDU 0..=9)" "1=1 2=0 3=0 4=1 5=0 6=0 7=1 8=0 9=0 10=1" "$(readings)"

mb -0 -t 1 -r 0 -c 6 "$TARGET"
check "discrete inputs, -0 refs 0..=5" "0=1 1=0 2=0 3=0 4=0 5=1" "$(readings)"

mb -t 4 -r 51 "$TARGET" 4321
check "write holding register, 1-based ref 51 (PDU 50) = 4321" "0 written" "$rc $(grep -o 'Written 1 references' "$out" >/dev/null && echo written)"
mb -0 -t 4 -r 49 -c 3 "$TARGET"
check "read back holding registers, -0 refs 49..=51" "49=148 50=4321 51=154" "$(readings)"

mb -0 -t 0 -r 1 "$TARGET" 1
check "write coil, -0 ref 1 = 1" "0 written" "$rc $(grep -o 'Written 1 references' "$out" >/dev/null && echo written)"
mb -0 -t 0 -r 0 -c 4 "$TARGET"
check "read back coils, -0 refs 0..=3" "0=1 1=1 2=0 3=1" "$(readings)"

mb -t 4 -r 1001 "$TARGET"
check "holding register 1-based ref 1001 (PDU 1000): exception 02" \
  "1 Illegal data address" "$rc $(grep -o 'Illegal data address' "$err" || true)"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]

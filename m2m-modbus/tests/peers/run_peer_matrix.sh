#!/usr/bin/env bash
# Runs every compatible (client, server) pair of the interoperability peers on
# 127.0.0.1 and exits non-zero if any check failed (see CONTRACT.md).
#
# Each pair gets a freshly started server on a free loopback port, so every
# client sees the initial world. Servers are started as
#     SERVER_CMD... PORT-ARGS --framer tcp|rtu      (must print "ready")
# and clients are run as
#     CLIENT_CMD... HOST PORT --framer tcp|rtu
# with M2M_PEER_SERVER (m2m|pymodbus|libmodbus) and M2M_PEER_SCRIPT (script.txt)
# in their environment, so that they apply the right quirk lines.
# The serial pairs ("(serial rtu)", "(serial ascii)") run on a fresh pty pair made by socat
# instead, the server on one end and the client on the other:
#     SERVER_CMD... --device A --baud 19200 --format 8N1 --framer rtu|ascii
#     CLIENT_CMD... --device B --baud 19200 --format 8N1 --framer rtu|ascii
#
# Hooks for the Rust side (word-split, so they may carry args; both needed for a full run,
# which without PEERS_ONLY fails unless all 27 pairs ran):
#   M2M_SERVER_CMD   started as: $M2M_SERVER_CMD --port P --framer tcp|rtu, or as above
#   M2M_CLI          the m2m binary: `m2m modbus read/write` is checked against the peer servers
#   M2M_CLIENT_CMD   run as:     $M2M_CLIENT_CMD 127.0.0.1 P --framer tcp|rtu, or as above
# Other knobs: PEERS_SKIP_SETUP=1 (do not run setup.sh), PEERS_LOG_DIR
# (default <repo>/target/peers-logs), PEERS_ONLY=REGEX (run matching pairs only).
#
# Last line: "N passed, M failed" summed over all checks of all pairs; a pair
# whose server did not start or whose client printed no such line counts as a
# failure of its own.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/../../.." && pwd))
HOST=127.0.0.1
CLIENT_TIMEOUT=20 # seconds per client run
READY_TIMEOUT=8   # seconds for a server to print "ready" or open its port
RUN_BUDGET=85     # seconds after which no further pair is started (total stays < 2 min)
# The serial pairs' line. A pty ignores the baud rate, and this machine's ptys refuse a parity
# bit and 7 data bits (tcsetattr fails with EINVAL), so ASCII runs 8N1 too.
LINE_ARGS=(--baud 19200 --format 8N1)

if [[ ${PEERS_SKIP_SETUP:-0} != 1 ]]; then
  eval "$("$HERE/setup.sh" | sed -n 's/^\([A-Z_]*\)=\(.*\)$/\1="\2"/p')"
else
  PEERS_PYTHON=${PEERS_PYTHON:-${PEERS_VENV:-$ROOT/target/peers-venv}/bin/python}
  PEERS_BIN=${PEERS_BIN:-$ROOT/target/peers-bin}
  LM_SERVER=$PEERS_BIN/lm_server LM_CLIENT=$PEERS_BIN/lm_client
fi
SECONDS=0 # the time budget covers the pairs, not the one-off setup
LOG_DIR=${PEERS_LOG_DIR:-$ROOT/target/peers-logs}
mkdir -p "$LOG_DIR"
export M2M_PEER_SCRIPT=$HERE/script.txt

PY_SERVER=("$PEERS_PYTHON" "$HERE/py_server.py")
PY_CLIENT=("$PEERS_PYTHON" "$HERE/py_client.py")
LM_SERVER_CMD=("$LM_SERVER")
LM_CLIENT_CMD=("$LM_CLIENT")
MBPOLL_CLIENT=("$HERE/mbpoll_check.sh")
M2M_SERVER=() M2M_CLIENT=()
[[ -n ${M2M_SERVER_CMD:-} ]] && read -r -a M2M_SERVER <<<"$M2M_SERVER_CMD"
[[ -n ${M2M_CLIENT_CMD:-} ]] && read -r -a M2M_CLIENT <<<"$M2M_CLIENT_CMD"

server_pid="" server_bridge="" client_bridge="" server_line=""
cleanup() {
  if [[ -n $server_pid ]]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    sleep 0.2
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  for pid in $server_bridge $client_bridge; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PEERS_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# libmodbus and mbpoll speak RTU only on a serial line: for them the matrix makes a pty and
# bridges it with socat to the other side's TCP port, so the bytes on the line are the RTU
# frames the RTU-over-TCP side sends and reads.
# bridge PTY ADDRESS LOG VAR: starts socat between a new pty linked at PTY and ADDRESS (a socat
# address), as a child of this shell (its pid in VAR, kept until it is waited for), and waits
# for the pty to appear; returns 1 if it does not.
bridge() {
  local pty=$1 address=$2 log=$3 var=$4
  rm -f "$pty"
  socat -d "pty,raw,echo=0,link=$pty" "$address" >"$log" 2>&1 </dev/null &
  printf -v "$var" '%s' "$!"
  for _ in $(seq 50); do
    [[ -e $pty ]] && return 0
    sleep 0.1
  done
  return 1
}

# line_pair A B LOG VAR: starts socat between two new ptys linked at A and B (a null-modem
# cable: what is written to one is read from the other), as a child of this shell (its pid in
# VAR), and waits for both to appear; returns 1 if they do not.
line_pair() {
  local a=$1 b=$2 log=$3 var=$4
  rm -f "$a" "$b"
  socat -d "pty,raw,echo=0,link=$a" "pty,raw,echo=0,link=$b" >"$log" 2>&1 </dev/null &
  printf -v "$var" '%s' "$!"
  for _ in $(seq 50); do
    [[ -e $a && -e $b ]] && return 0
    sleep 0.1
  done
  return 1
}

# stop_bridges: ends the socat bridges and reaps them (one that has already exited is reaped).
stop_bridges() {
  local pid
  for pid in $server_bridge $client_bridge; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  server_bridge="" client_bridge=""
}

# start_server KIND FRAMER LOG: sets server_pid and server_port (or, for a serial framer,
# server_line: the client's end of the line), or returns 1
start_server() {
  local kind=$1 framer=$2 log=$3 port cmd probe=1
  port=$(free_port)
  case $kind in
    pymodbus) cmd=("${PY_SERVER[@]}" "$port" --framer "$framer") ;;
    libmodbus) cmd=("${LM_SERVER_CMD[@]}" "$port" --framer "$framer") ;;
    m2m) cmd=("${M2M_SERVER[@]}" --port "$port" --framer "$framer") ;;
  esac
  if [[ $framer == serial-* ]]; then
    # the server on one end of a pty pair, the client on the other
    probe=0 port=""
    case $kind in
      pymodbus) cmd=("${PY_SERVER[@]}") ;;
      m2m) cmd=("${M2M_SERVER[@]}") ;;
    esac
    line_pair "$log.pty" "$log.pty-client" "$log.socat" server_bridge || {
      echo "  socat did not make the pty pair: $(tail -3 "$log.socat" | tr '\n' ' ')"
      return 1
    }
    cmd+=(--device "$log.pty" "${LINE_ARGS[@]}" --framer "${framer#serial-}")
    server_line=$log.pty-client
  elif [[ $kind == libmodbus && $framer == rtu ]]; then
    # socat listens on the port and serves one connection: no probing it before the client.
    probe=0
    bridge "$log.pty" "tcp-listen:$port,bind=$HOST,reuseaddr" "$log.socat" server_bridge || {
      echo "  socat did not make the pty: $(tail -3 "$log.socat" | tr '\n' ' ')"
      return 1
    }
    cmd+=(--device "$log.pty")
  fi
  : >"$log" # empty it first: a "ready" left from an earlier run must not count
  "${cmd[@]}" >"$log" 2>&1 </dev/null &
  server_pid=$!
  server_port=$port
  local deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "  server exited early: $(tail -3 "$log" | tr '\n' ' ')"
      server_pid=""
      return 1
    fi
    if grep -q '^ready' "$log" 2>/dev/null || { ((probe)) && port_open "$port"; }; then
      return 0
    fi
    sleep 0.1
  done
  echo "  server not ready after ${READY_TIMEOUT}s: $(tail -3 "$log" | tr '\n' ' ')"
  return 1
}

stop_server() {
  stop_bridges
  [[ -n $server_pid ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 30); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

total_pass=0 total_fail=0 pairs_bad=0
summary=()

pairs_run=0

# pair CLIENT_KIND SERVER_KIND FRAMER PASSES
# PASSES: how many steps of script.txt this client passes against this server when all is well
# (every step, less those the client cannot send or the peer server does not answer, which the
# clients count as skipped and script.txt's Q-notes explain). A run with fewer passes skipped or
# lost steps; one with more ran steps it should not have: both fail.
pair() {
  local ckind=$1 skind=$2 framer=$3 want=$4 name="$1 -> $2 (${3/-/ })" slog clog cmd rc last
  if [[ -n ${PEERS_ONLY:-} && ! $name =~ $PEERS_ONLY ]]; then
    return 0
  fi
  pairs_run=$((pairs_run + 1))
  echo "=== $name"
  if ((SECONDS > RUN_BUDGET)); then
    echo "  not run: matrix time budget of ${RUN_BUDGET}s used up"
    summary+=("FAIL  $name: not run (time budget)")
    pairs_bad=$((pairs_bad + 1))
    return 0
  fi
  slog=$LOG_DIR/server-${skind}-${framer}-${ckind}.log
  clog=$LOG_DIR/client-${ckind}-${skind}-${framer}.log
  if ! start_server "$skind" "$framer" "$slog"; then
    stop_server
    summary+=("FAIL  $name: server did not start (see $slog)")
    pairs_bad=$((pairs_bad + 1))
    return 0
  fi
  case $ckind in
    pymodbus) cmd=("${PY_CLIENT[@]}") ;;
    libmodbus) cmd=("${LM_CLIENT_CMD[@]}") ;;
    mbpoll) cmd=("${MBPOLL_CLIENT[@]}") ;;
    m2m) cmd=("${M2M_CLIENT[@]}") ;;
  esac
  local where=("$HOST" "$server_port" --framer "$framer") extra=()
  if [[ $framer == serial-* ]]; then
    where=(--device "$server_line" "${LINE_ARGS[@]}" --framer "${framer#serial-}")
  elif [[ $framer == rtu && ($ckind == libmodbus || $ckind == mbpoll) ]]; then
    if ! bridge "$clog.pty" "tcp:$HOST:$server_port" "$clog.socat" client_bridge; then
      stop_server
      summary+=("FAIL  $name: socat did not make the pty (see $clog.socat)")
      pairs_bad=$((pairs_bad + 1))
      return 0
    fi
    extra=(--device "$clog.pty")
  fi
  rc=0
  M2M_PEER_SERVER=$skind timeout -k 2 "$CLIENT_TIMEOUT" \
    "${cmd[@]}" "${where[@]}" "${extra[@]}" >"$clog" 2>&1 </dev/null || rc=$?
  stop_server
  grep -v '^ok ' "$clog" | sed 's/^/  /' || true
  last=$(tail -n 1 "$clog")
  if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    total_pass=$((total_pass + BASH_REMATCH[1]))
    total_fail=$((total_fail + BASH_REMATCH[2]))
    if [[ $rc -eq 0 && ${BASH_REMATCH[2]} -eq 0 && ${BASH_REMATCH[1]} -eq $want ]]; then
      summary+=("ok    $name: $last")
      return 0
    fi
    summary+=("FAIL  $name: $last (exit $rc; $want passes expected)")
  else
    summary+=("FAIL  $name: no result line (exit $rc$([[ $rc -eq 124 ]] && echo ', timed out'))")
  fi
  pairs_bad=$((pairs_bad + 1))
}

# ---- peer vs peer
pair pymodbus pymodbus tcp 66
pair pymodbus pymodbus rtu 63
pair pymodbus pymodbus serial-rtu 63
pair pymodbus pymodbus serial-ascii 66
pair pymodbus libmodbus tcp 66
pair libmodbus pymodbus tcp 52
pair libmodbus libmodbus tcp 66
pair mbpoll pymodbus tcp 11
pair mbpoll libmodbus tcp 11

# ---- the Rust server, against every peer client
if ((${#M2M_SERVER[@]})); then
  pair pymodbus m2m tcp 66
  pair pymodbus m2m rtu 66
  pair libmodbus m2m tcp 52
  pair libmodbus m2m rtu 52
  pair mbpoll m2m tcp 11
  pair mbpoll m2m rtu 11
  pair pymodbus m2m serial-rtu 66
  pair pymodbus m2m serial-ascii 66
fi
# ---- the Rust client, against every peer server (and the Rust server); on TCP it passes one
# check more than the script has: P1, eight reads outstanding at once (pipelining)
if ((${#M2M_CLIENT[@]})); then
  pair m2m pymodbus tcp 67
  pair m2m pymodbus rtu 63
  pair m2m libmodbus tcp 67
  pair m2m libmodbus rtu 47
  pair m2m pymodbus serial-rtu 63
  pair m2m pymodbus serial-ascii 66
  if ((${#M2M_SERVER[@]})); then
    pair m2m m2m tcp 67
    pair m2m m2m rtu 66
    pair m2m m2m serial-rtu 66
    pair m2m m2m serial-ascii 66
  fi
fi

# ---- the `m2m modbus` command of the CLI (on our async client) against the peer servers:
# read holding registers (both servers hold 3 * address + 1), write two and read them back, and an
# exception; over Modbus/TCP, and RTU over TCP against pymodbus (libmodbus's RTU slave sits behind
# a socat bridge that serves one connection, and each command is a connection). Set M2M_CLI.
cli_checks() { # SERVER_KIND FRAMER
  local skind=$1 framer=$2 name="m2m CLI -> $1 ($2)" slog url out pass=0 fail=0
  slog=$LOG_DIR/server-${skind}-${framer}-cli.log
  if ! start_server "$skind" "$framer" "$slog"; then
    stop_server
    summary+=("FAIL  $name: server did not start (see $slog)")
    pairs_bad=$((pairs_bad + 1))
    return 0
  fi
  if [[ $framer == tcp ]]; then url=tcp://$HOST:$server_port; else url=rtu-over-tcp://$HOST:$server_port; fi
  check() { if [[ $2 == "$3" ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "  $name: $1: got $2, want $3"; fi; }
  out=$(timeout 10 "$M2M_CLI" modbus read "$url" --unit 17 --json holding 10 3 2>&1) || true
  check "read 10..12" "$(grep -o '"values":\[[^]]*\]' <<<"$out")" '"values":[31,34,37]'
  out=$(timeout 10 "$M2M_CLI" modbus write "$url" --unit 17 holding 20 7 -2 2>&1) || true
  check "write 20..21" "$out" "wrote 2 value(s) at 20"
  out=$(timeout 10 "$M2M_CLI" modbus read "$url" --unit 17 --json holding 20 2 2>&1) || true
  check "read back 20..21" "$(grep -o '"values":\[[^]]*\]' <<<"$out")" '"values":[7,65534]'
  out=$(timeout 10 "$M2M_CLI" modbus read "$url" --unit 17 holding 5000 1 2>&1) || true
  check "exception for address 5000" "$(grep -c 'exception' <<<"$out")" "1"
  stop_server
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  if ((fail == 0)); then
    summary+=("ok    $name: $pass passed, 0 failed")
  else
    summary+=("FAIL  $name: $pass passed, $fail failed")
    pairs_bad=$((pairs_bad + 1))
  fi
}
if [[ -n ${M2M_CLI:-} && -z ${PEERS_ONLY:-} ]]; then
  for pair in "pymodbus tcp" "pymodbus rtu" "libmodbus tcp"; do
    read -r kind framer <<<"$pair"
    echo "=== m2m CLI -> $kind ($framer)"
    cli_checks "$kind" "$framer"
  done
fi

# Every pair runs unless PEERS_ONLY picks some: pairs with our code are not left out silently.
if [[ -z ${PEERS_ONLY:-} ]] && ((pairs_run != 27)); then
  summary+=("FAIL  $pairs_run pairs run, 27 expected (M2M_SERVER_CMD and M2M_CLIENT_CMD set?)")
  pairs_bad=$((pairs_bad + 1))
fi

echo "=== summary (logs in $LOG_DIR, ${SECONDS}s)"
printf '%s\n' "${summary[@]}"
if ((pairs_bad > 0 && total_fail == 0)); then
  total_fail=$pairs_bad # a pair that broke without counting still fails the run
fi
echo "$total_pass passed, $total_fail failed"
[[ $pairs_bad -eq 0 && $total_fail -eq 0 ]]

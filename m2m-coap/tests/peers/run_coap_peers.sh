#!/usr/bin/env bash
# CoAP over UDP against real peers on 127.0.0.1: libcoap 4.3.1 (coap-client-notls,
# coap-server-notls) and aiocoap, both directions. Our server and client check that every
# datagram they receive parses and re-encodes byte for byte.
#
#   M2M_COAP_SERVER  our server example (default: target/debug/examples/coap_server)
#   M2M_COAP_CLIENT  our client example (default: target/debug/examples/coap_client)
#   M2M_COAP_RUNNER  our tokio runner server, UDP, TCP and WebSocket (default: target/debug/examples/coap_runner_server)
#   M2M_COAP_WS_CLIENT  our WebSocket client (default: target/debug/examples/coap_ws_client)
#   COAP_PEERS_SKIP_SETUP=1  do not run setup.sh
#
# Last line: "N passed, M failed".
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/../../.." && pwd))
if [[ ${COAP_PEERS_SKIP_SETUP:-0} != 1 ]]; then
  eval "$("$HERE/setup.sh" | sed -n 's/^\([A-Z_]*\)=\(.*\)$/\1="\2"/p')" || exit 1
fi
PY=${COAP_PEERS_PYTHON:-$ROOT/target/coap-peers-venv/bin/python}
SERVER=${M2M_COAP_SERVER:-$ROOT/target/debug/examples/coap_server}
CLIENT=${M2M_COAP_CLIENT:-$ROOT/target/debug/examples/coap_client}
# The `m2m coap` command of the CLI runs the same client steps (on m2m_coap::blocking too).
M2M_CLI=${M2M_CLI:-$ROOT/target/debug/m2m}
RUNNER=${M2M_COAP_RUNNER:-$ROOT/target/debug/examples/coap_runner_server}
WS_CLIENT=${M2M_COAP_WS_CLIENT:-$ROOT/target/debug/examples/coap_ws_client}
LOGS=$ROOT/target/coap-peers-logs
mkdir -p "$LOGS"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
# same NAME FILE1 FILE2: the files hold the same bytes
same() { if cmp -s "$2" "$3"; then ok "$1"; else bad "$1" "$(wc -c <"$2") bytes, want $(wc -c <"$3")"; fi; }

free_port() { "$PY" -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# A port P free for UDP and TCP with P+3000 free for TCP too (aiocoap's WebSocket port).
free_pair() {
  "$PY" - <<'PYEOF'
import random, socket
for _ in range(200):
    p = random.randint(20000, 60000)
    try:
        for port, kind in ((p, socket.SOCK_DGRAM), (p, socket.SOCK_STREAM), (p + 3000, socket.SOCK_STREAM)):
            s = socket.socket(socket.AF_INET, kind); s.bind(("127.0.0.1", port)); s.close()
        print(p); break
    except OSError:
        continue
PYEOF
}

# The reference bodies: /large is 3000 letters a-z repeated; the upload 3000 printable bytes.
"$PY" -c 'import sys; sys.stdout.buffer.write(bytes(ord("a")+i%26 for i in range(3000)))' >"$WORK/large"
"$PY" -c 'import sys; sys.stdout.buffer.write(bytes((i*7+3)%94+33 for i in range(3000)))' >"$WORK/upload"
printf 'Hello from m2m-coap' >"$WORK/hello-m2m"
printf 'Hello from aiocoap' >"$WORK/hello-aiocoap"
printf 'slow answer' >"$WORK/slow"
strip() { "$PY" -c 'import sys; d=sys.stdin.buffer.read(); sys.stdout.buffer.write(d[:-1] if d.endswith(b"\n") else d)'; }
T() { timeout 30 "$@"; }

start_m2m_server() {
  PORT=$(free_port)
  "$SERVER" "127.0.0.1:$PORT" >"$WORK/server.out" 2>"$LOGS/m2m-server-$1.log" &
  PIDS+=($!)
  SERVER_PID=$!
  sleep 0.3
}
stop_m2m_server() { # NAME
  T coap-client-notls -m post "coap://127.0.0.1:$PORT/quit" >/dev/null 2>&1
  wait "$SERVER_PID"
  local rc=$?
  local summary
  summary=$(cat "$WORK/server.out")
  if [[ $rc -eq 0 && $summary == *'"failed":0'* ]]; then ok "$1: every datagram re-encodes ($summary)"; else bad "$1: re-encoding" "exit $rc, $summary"; fi
}

# ---- 1. libcoap's client against our server
start_m2m_server libcoap-client
U=coap://127.0.0.1:$PORT
T coap-client-notls -m get "$U/hello" | strip >"$WORK/out"; same "libcoap client -> m2m: GET /hello" "$WORK/out" "$WORK/hello-m2m"
T coap-client-notls -m get -b 64 "$U/large" | strip >"$WORK/out"; same "libcoap client -> m2m: Block2 GET of 3000 bytes" "$WORK/out" "$WORK/large"
err=$(T coap-client-notls -m get "$U/nothing" 2>&1 >/dev/null)
[[ $err == *4.04* ]] && ok "libcoap client -> m2m: 4.04" || bad "libcoap client -> m2m: 4.04" "$err"
T coap-client-notls -m get "$U/slow" | strip >"$WORK/out"; same "libcoap client -> m2m: separate response" "$WORK/out" "$WORK/slow"
obs=$(T coap-client-notls -s 2 "$U/obs" | tr -d '\n')
[[ $obs =~ ^0123 ]] && ok "libcoap client -> m2m: Observe ($obs)" || bad "libcoap client -> m2m: Observe" "$obs"
T coap-client-notls -m put -b 64 -f "$WORK/upload" "$U/upload" >/dev/null 2>&1 && ok "libcoap client -> m2m: Block1 PUT" || bad "libcoap client -> m2m: Block1 PUT" "exit $?"
T coap-client-notls -m get -b 64 "$U/upload" | strip >"$WORK/out"; same "libcoap client -> m2m: the upload back" "$WORK/out" "$WORK/upload"
stop_m2m_server "libcoap client -> m2m"

# ---- 2. aiocoap's client against our server
start_m2m_server aiocoap-client
while read -r line; do
  case $line in
    ok\ *) ok "aiocoap client -> m2m: ${line#ok }" ;;
    FAIL\ *) bad "aiocoap client -> m2m: ${line#FAIL }" "" ;;
  esac
done < <(T "$PY" "$HERE/aiocoap_client.py" "$PORT" 2>"$LOGS/aiocoap-client.log")
stop_m2m_server "aiocoap client -> m2m"

# ---- 3. our client against libcoap's server (dynamic resources allowed)
PORT=$(free_port)
coap-server-notls -A 127.0.0.1 -p "$PORT" -d 10 >"$LOGS/libcoap-server.log" 2>&1 &
PIDS+=($!)
sleep 0.3
U=coap://127.0.0.1:$PORT
m2m() { # NAME OUTFILE ARGS...: our client; exit 3 means a datagram did not re-encode
  local name=$1 out=$2
  shift 2
  T "${CLIENT_CMD[@]}" "$@" >"$out" 2>"$WORK/err"
  local rc=$?
  cat "$WORK/err" >>"$LOGS/m2m-client.log"
  [[ $rc -eq 3 ]] && bad "$name" "a datagram did not parse or re-encode"
  return $rc
}
libcoap_steps() { # LABEL: the client steps, run by the example and by the CLI
  local L=$1
  m2m "$L -> libcoap server: GET /" "$WORK/out" get "$U/" && grep -q libcoap "$WORK/out" && ok "$L -> libcoap server: GET /" || bad "$L -> libcoap server: GET /" "$(head -c 80 "$WORK/out")"
  m2m "$L -> libcoap server: Block1 PUT" "$WORK/out" put "$U/big" --payload-file "$WORK/upload" --block 2 && ok "$L -> libcoap server: Block1 PUT (64-byte blocks)" || bad "$L -> libcoap server: Block1 PUT" "exit $?"
  m2m "$L -> libcoap server: Block2 GET" "$WORK/out" get "$U/big" --block 2; same "$L -> libcoap server: Block2 GET of the upload" "$WORK/out" "$WORK/upload"
  m2m "$L -> libcoap server: 4.04" "$WORK/out" get "$U/nothing"; [[ $? -eq 1 ]] && grep -q '^4.04' "$WORK/err" && ok "$L -> libcoap server: 4.04" || bad "$L -> libcoap server: 4.04" ""
  m2m "$L -> libcoap server: Observe" "$WORK/out" get "$U/time" --observe 3 && [[ $(wc -l <"$WORK/out") -eq 3 ]] && ok "$L -> libcoap server: Observe /time, 3 notifications" || bad "$L -> libcoap server: Observe" "$(cat "$WORK/out")"
  m2m "$L -> libcoap server: separate response" "$WORK/out" get "$U/async" && ok "$L -> libcoap server: /async (separate response)" || bad "$L -> libcoap server: /async" "exit $?"
}
CLIENT_CMD=("$CLIENT"); libcoap_steps m2m
CLIENT_CMD=("$M2M_CLI" coap); libcoap_steps "m2m CLI"
m2m "m2m CLI -> libcoap server: discover" "$WORK/out" discover "$U" && grep -q '^</time> rt=ticks' "$WORK/out" && ok "m2m CLI -> libcoap server: discover (/.well-known/core)" || bad "m2m CLI -> libcoap server: discover" "$(head -c 120 "$WORK/out")"

# ---- 4. our client against aiocoap's server (UDP, TCP on the same port, WebSocket on port + 3000)
PORT=$(free_pair)
"$PY" "$HERE/aiocoap_server.py" "$PORT" >"$WORK/aio.out" 2>"$LOGS/aiocoap-server.log" &
PIDS+=($!)
for _ in $(seq 50); do grep -q ready "$WORK/aio.out" 2>/dev/null && break; sleep 0.1; done
U=coap://127.0.0.1:$PORT
aiocoap_steps() { # LABEL: the client steps, run by the example and by the CLI
  local L=$1
  m2m "$L -> aiocoap server: GET /hello" "$WORK/out" get "$U/hello"; same "$L -> aiocoap server: GET /hello" "$WORK/out" "$WORK/hello-aiocoap"
  m2m "$L -> aiocoap server: Block2" "$WORK/out" get "$U/large"; same "$L -> aiocoap server: Block2 GET of 3000 bytes" "$WORK/out" "$WORK/large"
  m2m "$L -> aiocoap server: Block1 PUT" "$WORK/out" put "$U/upload" --payload-file "$WORK/upload" --block 4 && ok "$L -> aiocoap server: Block1 PUT (256-byte blocks)" || bad "$L -> aiocoap server: Block1 PUT" "exit $?"
  m2m "$L -> aiocoap server: upload back" "$WORK/out" get "$U/upload"; same "$L -> aiocoap server: the upload back" "$WORK/out" "$WORK/upload"
  m2m "$L -> aiocoap server: 4.04" "$WORK/out" get "$U/nothing"; [[ $? -eq 1 ]] && grep -q '^4.04' "$WORK/err" && ok "$L -> aiocoap server: 4.04" || bad "$L -> aiocoap server: 4.04" ""
  m2m "$L -> aiocoap server: separate response" "$WORK/out" get "$U/slow"; same "$L -> aiocoap server: separate response" "$WORK/out" "$WORK/slow"
  m2m "$L -> aiocoap server: Observe" "$WORK/out" get "$U/obs" --observe 3 && [[ $(wc -l <"$WORK/out") -eq 3 ]] && ok "$L -> aiocoap server: Observe, 3 notifications" || bad "$L -> aiocoap server: Observe" "$(cat "$WORK/out")"
}
CLIENT_CMD=("$CLIENT"); aiocoap_steps m2m
CLIENT_CMD=("$M2M_CLI" coap); aiocoap_steps "m2m CLI"

# ---- 5. over TCP (RFC 8323, CSM exchange): our client against aiocoap's server (still running)
U=coap+tcp://127.0.0.1:$PORT
aiocoap_tcp_steps() { # LABEL: the client steps, run by the example and by the CLI
  local L=$1
  m2m "$L -> aiocoap server over TCP: GET /hello" "$WORK/out" get "$U/hello"; same "$L -> aiocoap server over TCP: GET /hello" "$WORK/out" "$WORK/hello-aiocoap"
  m2m "$L -> aiocoap server over TCP: Block2" "$WORK/out" get "$U/large"; same "$L -> aiocoap server over TCP: GET of 3000 bytes" "$WORK/out" "$WORK/large"
  m2m "$L -> aiocoap server over TCP: Block1 PUT" "$WORK/out" put "$U/upload" --payload-file "$WORK/upload" --block 4 && ok "$L -> aiocoap server over TCP: Block1 PUT" || bad "$L -> aiocoap server over TCP: Block1 PUT" "exit $?"
  m2m "$L -> aiocoap server over TCP: upload back" "$WORK/out" get "$U/upload"; same "$L -> aiocoap server over TCP: the upload back" "$WORK/out" "$WORK/upload"
  m2m "$L -> aiocoap server over TCP: Observe" "$WORK/out" get "$U/obs" --observe 3 && [[ $(wc -l <"$WORK/out") -eq 3 ]] && ok "$L -> aiocoap server over TCP: Observe, 3 notifications" || bad "$L -> aiocoap server over TCP: Observe" "$(cat "$WORK/out")"
}
CLIENT_CMD=("$CLIENT"); aiocoap_tcp_steps m2m
CLIENT_CMD=("$M2M_CLI" coap); aiocoap_tcp_steps "m2m CLI"
# ---- 5b. over WebSocket (RFC 8323 §4): our WebSocket client against aiocoap's server
U=coap+ws://127.0.0.1:$((PORT + 3000))
ws() { # NAME OUTFILE ARGS...
  local name=$1 out=$2
  shift 2
  T "$WS_CLIENT" "$@" >"$out" 2>"$WORK/err"
  local rc=$?
  cat "$WORK/err" >>"$LOGS/m2m-ws-client.log"
  [[ $rc -eq 3 ]] && bad "$name" "a message did not parse or re-encode"
  return $rc
}
ws "m2m -> aiocoap server over WebSocket: GET /hello" "$WORK/out" get "$U/hello"; same "m2m -> aiocoap server over WebSocket: GET /hello" "$WORK/out" "$WORK/hello-aiocoap"
ws "m2m -> aiocoap server over WebSocket: Block2" "$WORK/out" get "$U/large"; same "m2m -> aiocoap server over WebSocket: GET of 3000 bytes" "$WORK/out" "$WORK/large"
ws "m2m -> aiocoap server over WebSocket: 4.04" "$WORK/out" get "$U/nothing"; [[ $? -eq 1 ]] && grep -q '^4.04' "$WORK/err" && ok "m2m -> aiocoap server over WebSocket: 4.04" || bad "m2m -> aiocoap server over WebSocket: 4.04" ""
T "$CLIENT" post "coap://127.0.0.1:$PORT/quit" >/dev/null 2>&1

# ---- 6. our client over TCP against libcoap's server
PORT=$(free_port)
coap-server-notls -A 127.0.0.1 -p "$PORT" -d 10 >"$LOGS/libcoap-server-tcp.log" 2>&1 &
PIDS+=($!)
sleep 0.3
U=coap+tcp://127.0.0.1:$PORT
libcoap_tcp_steps() { # LABEL: the client steps, run by the example and by the CLI
  local L=$1
  m2m "$L -> libcoap server over TCP: GET /" "$WORK/out" get "$U/" && grep -q libcoap "$WORK/out" && ok "$L -> libcoap server over TCP: GET /" || bad "$L -> libcoap server over TCP: GET /" "$(head -c 80 "$WORK/out")"
  m2m "$L -> libcoap server over TCP: Block1 PUT" "$WORK/out" put "$U/big" --payload-file "$WORK/upload" --block 2 && ok "$L -> libcoap server over TCP: Block1 PUT" || bad "$L -> libcoap server over TCP: Block1 PUT" "exit $?"
  m2m "$L -> libcoap server over TCP: Block2 GET" "$WORK/out" get "$U/big" --block 2; same "$L -> libcoap server over TCP: the upload back" "$WORK/out" "$WORK/upload"
  m2m "$L -> libcoap server over TCP: Observe" "$WORK/out" get "$U/time" --observe 2 && [[ $(wc -l <"$WORK/out") -eq 2 ]] && ok "$L -> libcoap server over TCP: Observe /time" || bad "$L -> libcoap server over TCP: Observe" "$(cat "$WORK/out")"
}
CLIENT_CMD=("$CLIENT"); libcoap_tcp_steps m2m
CLIENT_CMD=("$M2M_CLI" coap); libcoap_tcp_steps "m2m CLI"

# ---- 7. libcoap's and aiocoap's clients against our tokio runner, over UDP, TCP and WebSocket
PORT=$(free_pair)
"$RUNNER" "127.0.0.1:$PORT" "$((PORT + 3000))" >"$WORK/runner.out" 2>"$LOGS/m2m-runner.log" &
PIDS+=($!)
for _ in $(seq 50); do grep -q ready "$WORK/runner.out" 2>/dev/null && break; sleep 0.1; done
for scheme in coap coap+tcp; do
  U=$scheme://127.0.0.1:$PORT
  T coap-client-notls "$U/hello" | strip >"$WORK/out"; same "libcoap client -> m2m runner ($scheme): GET /hello" "$WORK/out" "$WORK/hello-m2m"
  T coap-client-notls -b 64 "$U/large" | strip >"$WORK/out"; same "libcoap client -> m2m runner ($scheme): GET of 3000 bytes" "$WORK/out" "$WORK/large"
  err=$(T coap-client-notls "$U/nothing" 2>&1 >/dev/null)
  [[ $err == *4.04* ]] && ok "libcoap client -> m2m runner ($scheme): 4.04" || bad "libcoap client -> m2m runner ($scheme): 4.04" "$err"
  T coap-client-notls -m put -b 64 -f "$WORK/upload" "$U/upload" >/dev/null 2>&1 && ok "libcoap client -> m2m runner ($scheme): Block1 PUT of 3000 bytes" || bad "libcoap client -> m2m runner ($scheme): Block1 PUT" "exit $?"
  T coap-client-notls -b 64 "$U/upload" | strip >"$WORK/out"; same "libcoap client -> m2m runner ($scheme): the upload back" "$WORK/out" "$WORK/upload"
  T "$PY" -m aiocoap.cli.client "$U/hello" 2>/dev/null | strip >"$WORK/out"; same "aiocoap client -> m2m runner ($scheme): GET /hello" "$WORK/out" "$WORK/hello-m2m"
  T "$PY" -m aiocoap.cli.client "$U/large" 2>/dev/null | strip >"$WORK/out"; same "aiocoap client -> m2m runner ($scheme): GET of 3000 bytes" "$WORK/out" "$WORK/large"
  T coap-client-notls "$U/slow" | strip >"$WORK/out"; same "libcoap client -> m2m runner ($scheme): a reply that comes later" "$WORK/out" "$WORK/slow"
  # The runner's counter goes up every 300 ms: 2 s of observing prints at least 4 consecutive
  # values, written one after the other without separators.
  obs=$(T coap-client-notls -s 2 "$U/obs" | tr -d '\n')
  "$PY" - "$obs" <<'PYEOF' && ok "libcoap client -> m2m runner ($scheme): Observe ($obs)" || bad "libcoap client -> m2m runner ($scheme): Observe" "$obs"
import sys
v = sys.argv[1]
def run(k):
    n = start = int(v[:k]); s = ""
    while len(s) < len(v):
        s += str(n); n += 1
    return s == v and n - start >= 4
sys.exit(0 if v.isdigit() and any(run(k) for k in range(1, len(v) + 1)) else 1)
PYEOF
done
# aiocoap's scenario (GET, Block2, 4.04, a reply that comes later, Observe, Block1 PUT) over all three
for U in "coap://127.0.0.1:$PORT" "coap+tcp://127.0.0.1:$PORT" "coap+ws://127.0.0.1:$((PORT + 3000))"; do
  while read -r line; do
    case $line in
      ok\ *) ok "aiocoap client -> m2m runner (${U%%:*}): ${line#ok }" ;;
      FAIL\ *) bad "aiocoap client -> m2m runner (${U%%:*}): ${line#FAIL }" "" ;;
    esac
  done < <(T "$PY" "$HERE/aiocoap_client.py" "$U" 2>>"$LOGS/aiocoap-client-runner.log")
done
U=coap+ws://127.0.0.1:$((PORT + 3000))
T "$PY" -m aiocoap.cli.client "$U/hello" 2>/dev/null | strip >"$WORK/out"; same "aiocoap client -> m2m runner (coap+ws): GET /hello" "$WORK/out" "$WORK/hello-m2m"
T "$PY" -m aiocoap.cli.client "$U/large" 2>/dev/null | strip >"$WORK/out"; same "aiocoap client -> m2m runner (coap+ws): GET of 3000 bytes" "$WORK/out" "$WORK/large"
T "$PY" -m aiocoap.cli.client -m PUT --content-format 'text/plain;charset=utf-8' --payload "@$WORK/upload" "$U/upload" >/dev/null 2>&1 && ok "aiocoap client -> m2m runner (coap+ws): PUT of 3000 bytes" || bad "aiocoap client -> m2m runner (coap+ws): PUT" "exit $?"
T "$PY" -m aiocoap.cli.client "$U/upload" 2>/dev/null | strip >"$WORK/out"; same "aiocoap client -> m2m runner (coap+ws): the upload back" "$WORK/out" "$WORK/upload"
ws "m2m ws client -> m2m runner: GET of 3000 bytes" "$WORK/out" get "$U/large"; same "m2m WebSocket client -> m2m runner: GET of 3000 bytes" "$WORK/out" "$WORK/large"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]

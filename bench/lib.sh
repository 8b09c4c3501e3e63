# Helpers shared by bench/run.sh and bench/postgres.sh (sourced). Expects
# ROOT, BUILD, WORK, RESULTS, SECONDS_PER_RUN and ALERTGATE, and a PIDS
# array the caller's exit trap kills.
CLK_TCK=$(getconf CLK_TCK)

log() { echo "bench: $*" >&2; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start NAME PORTFILE COMMAND...: runs COMMAND in the background until it
# writes PORTFILE; sets $PID.
start() {
  local name=$1 ports=$2
  shift 2
  "$@" > "$WORK/$name.log" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq "${START_TRIES:-200}"); do [[ -s $ports ]] && return 0; sleep 0.05; done
  cat "$WORK/$name.log" >&2
  echo "bench: $name did not start" >&2
  exit 1
}
port_of() { sed -n "s/^$2=//p" "$1"; }
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# wrk_run CONNECTIONS URL SCRIPT ARGS...: prints wrk's JSON line.
wrk_run() {
  local connections=$1 url=$2 script=$3
  shift 3
  wrk -t2 -c"$connections" -d"${SECONDS_PER_RUN}s" --latency -s "$ROOT/bench/wrk/$script" \
    "$url" -- "$@" | tail -n 1
}

# measure NAME CONNECTIONS URL SCRIPT ARGS... with $MEASURED_PIDS set: one
# result file with wrk's figures plus CPU per acknowledged request and peak
# RSS of the measured processes.
measure() {
  local name=$1 connections=$2
  shift 2
  local before=0 after=0 pid
  for pid in $MEASURED_PIDS; do before=$((before + $(cpu_ticks "$pid"))); done
  local result
  result=$(wrk_run "$connections" "$@")
  for pid in $MEASURED_PIDS; do after=$((after + $(cpu_ticks "$pid"))); done
  local rss=0
  for pid in $MEASURED_PIDS; do rss=$((rss + $(peak_rss_kb "$pid"))); done
  /usr/bin/python3 - "$RESULTS/$name.json" "$result" "$((after - before))" "$CLK_TCK" "$rss" "$connections" <<'PY'
import json, sys
path, wrk, ticks, clk, rss, conns = sys.argv[1:]
r = json.loads(wrk)
r["connections"] = int(conns)
r["cpu_seconds"] = int(ticks) / int(clk)
r["cpu_us_per_request"] = 1e6 * r["cpu_seconds"] / max(1, r["acked"])
r["peak_rss_mb"] = int(rss) / 1024
json.dump(r, open(path, "w"))
PY
  log "$name: $(cat "$RESULTS/$name.json")"
}

# check_store NAME DATABASE ACKED_TOTAL CONNECTIONS: the idempotency keys
# stored (one per acknowledged delivery) against the acknowledged count.
check_store() {
  store_verdict "$1" "$3" "$(sqlite3 "$2" "SELECT count(*) FROM idempotency_keys")" "$4"
}
# store_verdict NAME ACKED STORED CONNECTIONS: fails the run unless every
# acknowledged delivery is stored. Requests still in flight when wrk stops
# may commit without being counted: at most one per connection.
store_verdict() {
  local name=$1 acked=$2 stored=$3 connections=$4
  local lost=$(( acked > stored ? acked - stored : 0 ))
  echo "{\"acked\": $acked, \"stored\": $stored, \"lost\": $lost, \"in_flight_allowance\": $connections}" \
    > "$RESULTS/$name.json"
  log "$name: acknowledged $acked, stored $stored"
  if (( stored < acked || stored - acked > connections )); then
    echo "bench: FAILED $name: acknowledged $acked but stored $stored" >&2
    exit 1
  fi
}
# A gRPC load run whose calls failed measures the failures, not the server.
check_calls() {  # NAME RESULT_JSON
  local errors
  errors=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['errors'])" "$2")
  if [[ "$errors" != 0 ]]; then
    echo "bench: FAILED $1: $errors calls failed ($(cat "$2"))" >&2
    exit 1
  fi
}
acked_of() { /usr/bin/python3 -c "import json,sys; print(sum(json.load(open(f))['acked'] for f in sys.argv[1:]))" "$@"; }

start_allinone() {  # DATA_DIR → $PID, $HTTP, $GRPC
  rm -f "$1.ports"
  start alertgate "$1.ports" "$ALERTGATE" --data_dir="$1" --grpc_listen=127.0.0.1:0 \
    --http_listen=127.0.0.1:0 --admin_listen=127.0.0.1:0 --console_listen= --log_deliveries=false \
    --port_file="$1.ports"
  HTTP=$(port_of "$1.ports" http); GRPC=$(port_of "$1.ports" grpc)
}
webhook_path() {  # DATA_DIR SOURCE: the first start's URL of SOURCE, as a path
  local path
  path=$(awk -v s="$2" '$1 == s {print $2}' "$1/webhook-urls.txt" | sed 's|^http://[^/]*||')
  if [[ -z $path ]]; then
    echo "bench: no $2 webhook URL in $1/webhook-urls.txt (is its plugin built?)" >&2
    exit 1
  fi
  echo "$path"
}

#!/usr/bin/env bash
# alertgate's benchmarks, one command. Builds optimized (./build-bench), then
# measures side by side on this machine, loopback only, each on a fresh data
# folder:
#   1. the ceiling: a bare cpp-httplib server with the same tuning and bodies
#   2. Bitbucket webhooks → durable incidents, all-in-one, 16 and 64 connections
#   3. the same, split front door + core
#   4. one small alert per request: alertgate's generic source vs Prometheus
#      Alertmanager (in memory only)
#   5. IngestAlert over gRPC
#   6. a store of 1,000,000 incidents: ingest rate, ListIncidents latency, RSS
#   7. under attack: deliveries while 1,000 idle and 300 trickling
#      connections are held (alone and behind deploy/nginx/alertgate.conf),
#      RSS under endless chunked bodies, threads with 2,000 watchers
#   8. PostgreSQL (bench/postgres.sh, on a throwaway server): pgbench's
#      insert rate as the ceiling, webhooks and gRPC on one core and on two
#      cores sharing the database, and a store of 1,000,000 incidents
# and checks after each alertgate run that the store holds exactly what was
# acknowledged. Writes bench/results/latest.json and docs/benchmarks.md.
#
#   bench/run.sh [--smoke] [--seconds=N] [--incidents=N]
# --smoke: a few seconds per step against ./build, no Alertmanager, a small
# store: keeps the harness from rotting (scripts/test.sh runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SMOKE=0
SECONDS_PER_RUN=10
INCIDENTS=1000000
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1; SECONDS_PER_RUN=2; INCIDENTS=20000 ;;
    --seconds=*) SECONDS_PER_RUN=${arg#--seconds=} ;;
    --incidents=*) INCIDENTS=${arg#--incidents=} ;;
    *) echo "usage: bench/run.sh [--smoke] [--seconds=N] [--incidents=N]" >&2; exit 2 ;;
  esac
done

# Benchmark-only packages: wrk drives HTTP; Alertmanager is the peer;
# valgrind (callgrind) counts instructions and perf the kernel's side.
NEED=(wrk sqlite3 valgrind linux-perf)
[[ $SMOKE == 1 ]] || NEED+=(prometheus-alertmanager)
MISSING=()
for p in "${NEED[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$p")
done
if [[ ${#MISSING[@]} -gt 0 ]]; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${MISSING[@]}"
fi

if [[ $SMOKE == 1 ]]; then
  BUILD=build
  scripts/build.sh > /dev/null
else
  BUILD=build-bench
  [[ -f $BUILD/build.ninja ]] || cmake -S . -B $BUILD -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build $BUILD -j"$(nproc)" --target alertgate alertctl bitbucket generic alertmanager github \
    bench_bare_httplib bench_grpc_load bench_seed_store bench_hold bench_fsync_probe > /dev/null
fi
ALERTGATE=$ROOT/$BUILD/server/alertgate
FIXTURES=$ROOT/tests/fixtures/bitbucket
WORK=$(mktemp -d "${TMPDIR:-/tmp}/alertgate-bench-XXXXXX")
RESULTS=$WORK/results
mkdir -p "$RESULTS"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export ROOT BUILD WORK RESULTS SECONDS_PER_RUN SMOKE INCIDENTS ALERTGATE FIXTURES
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=bench/costs.sh
source "$ROOT/bench/costs.sh"

log "work folder $WORK; ${SECONDS_PER_RUN}s per run; build $BUILD"

# 0. The disk's limit: how long one fdatasync takes where the stores live.
"$ROOT/$BUILD/bench/bench_fsync_probe" --dir="$WORK" --seconds="$([[ $SMOKE == 1 ]] && echo 1 || echo 3)" \
  > "$RESULTS/fsync_limit.json"
log "fsync_limit: $(cat "$RESULTS/fsync_limit.json")"

# 1. The ceiling.
start bare "$WORK/bare.ports" "$ROOT/$BUILD/bench/bench_bare_httplib" --port_file="$WORK/bare.ports"
BARE_PID=$PID
MEASURED_PIDS=$BARE_PID
for c in 16 64; do
  measure "ceiling_c$c" "$c" "http://127.0.0.1:$(port_of "$WORK/bare.ports" http)" \
    bitbucket_mix.lua /v1/webhooks/bitbucket/x "$FIXTURES" "bare$c"
done
kernel_costs costs_ceiling_c16 "$BARE_PID" 16 "http://127.0.0.1:$(port_of "$WORK/bare.ports" http)" \
  bitbucket_mix.lua /v1/webhooks/bitbucket/x "$FIXTURES" barek
stop "$BARE_PID"

# 2. Bitbucket webhooks, all-in-one.
start_allinone "$WORK/aio"
AIO_PID=$PID
MEASURED_PIDS=$AIO_PID
BB=$(webhook_path "$WORK/aio" bitbucket)
for c in 16 64; do
  measure "allinone_c$c" "$c" "http://127.0.0.1:$HTTP" bitbucket_mix.lua "$BB" "$FIXTURES" "aio$c"
done
kernel_costs costs_allinone_c16 "$AIO_PID" 16 "http://127.0.0.1:$HTTP" bitbucket_mix.lua "$BB" "$FIXTURES" aiok
# The same with 20 rules on the service (bench/rules20.json: regular
# expressions on tags and summaries, suppressions, a dedup window; most
# match nothing, so every condition runs), then again without any, so the
# ratio compares neighbouring runs.
ALERTCTL=("$ROOT/$BUILD/clients/alertctl" --address="127.0.0.1:$GRPC" --token_file="$WORK/aio/admin-token")
"${ALERTCTL[@]}" rules set default --file="$ROOT/bench/rules20.json" > /dev/null
measure allinone_rules20_c16 16 "http://127.0.0.1:$HTTP" bitbucket_mix.lua "$BB" "$FIXTURES" aior
echo '{"rules": []}' | "${ALERTCTL[@]}" rules set default --file=- > /dev/null
measure allinone_norules_c16 16 "http://127.0.0.1:$HTTP" bitbucket_mix.lua "$BB" "$FIXTURES" aion
# Outbound webhooks: a subscription to the incidents the mix opens and
# resolves, first with its receiver up (a bare cpp-httplib server), then
# down (a closed port: every message fails and is retried), so the outbox
# and its dispatcher run beside ingest.
start hookrx "$WORK/hookrx.ports" "$ROOT/$BUILD/bench/bench_bare_httplib" --port_file="$WORK/hookrx.ports"
HOOKRX_PID=$PID
"${ALERTCTL[@]}" webhooks add default --name=bench --events=triggered,resolved \
  --url="http://127.0.0.1:$(port_of "$WORK/hookrx.ports" http)/hook" > /dev/null
measure allinone_webhook_c16 16 "http://127.0.0.1:$HTTP" bitbucket_mix.lua "$BB" "$FIXTURES" aiow
"${ALERTCTL[@]}" webhooks add default --name=bench --events=triggered,resolved \
  --url="http://127.0.0.1:1/hook" > /dev/null
measure allinone_webhook_down_c16 16 "http://127.0.0.1:$HTTP" bitbucket_mix.lua "$BB" "$FIXTURES" aiowd
"${ALERTCTL[@]}" webhooks remove default --name=bench > /dev/null
stop "$HOOKRX_PID"
stop "$AIO_PID"
check_store allinone_store "$WORK/aio/alertgate.db" \
  "$(acked_of "$RESULTS/allinone_c16.json" "$RESULTS/allinone_c64.json" \
     "$RESULTS/costs_allinone_c16.json" "$RESULTS/allinone_rules20_c16.json" "$RESULTS/allinone_norules_c16.json" \
     "$RESULTS/allinone_webhook_c16.json" "$RESULTS/allinone_webhook_down_c16.json")" 160

# 3. Split front door + core.
mkdir -p "$WORK/split"
start core "$WORK/core.ports" "$ALERTGATE" --role=core --data_dir="$WORK/split" \
  --grpc_listen=127.0.0.1:0 --port_file="$WORK/core.ports"
CORE_PID=$PID
# The front door's token, made offline on the core's data folder.
"$ALERTGATE" tokens create --role=ingest --name=bench-frontdoor --data_dir="$WORK/split" \
  > "$WORK/fd.token" 2> /dev/null
start frontdoor "$WORK/fd.ports" "$ALERTGATE" --role=frontdoor --http_listen=127.0.0.1:0 \
  --admin_listen=127.0.0.1:0 --console_listen= --core_token_file="$WORK/fd.token" \
  --core_address="127.0.0.1:$(port_of "$WORK/core.ports" grpc)" --log_deliveries=false \
  --port_file="$WORK/fd.ports"
FD_PID=$PID
MEASURED_PIDS="$CORE_PID $FD_PID"
measure split_c16 16 "http://127.0.0.1:$(port_of "$WORK/fd.ports" http)" bitbucket_mix.lua \
  "$(webhook_path "$WORK/split" bitbucket)" "$FIXTURES" split
stop "$FD_PID"; stop "$CORE_PID"
check_store split_store "$WORK/split/alertgate.db" "$(acked_of "$RESULTS/split_c16.json")" 16

# 4. Small alerts: alertgate's generic source vs Alertmanager.
start_allinone "$WORK/small"
SMALL_PID=$PID
MEASURED_PIDS=$SMALL_PID
measure small_alertgate_c16 16 "http://127.0.0.1:$HTTP" small_alert.lua \
  "$(webhook_path "$WORK/small" generic)" generic small
kernel_costs costs_small_alertgate_c16 "$SMALL_PID" 16 "http://127.0.0.1:$HTTP" small_alert.lua \
  "$(webhook_path "$WORK/small" generic)" generic smallk
# Ten alerts per request: one delivery, one IngestAlerts call, one commit.
measure small_alertgate_batch10_c16 16 "http://127.0.0.1:$HTTP" small_alert.lua \
  "$(webhook_path "$WORK/small" generic)" generic small10 10
# Alertmanager's own webhook notifications, to alertgate's alertmanager
# source: the payload a user points at alertgate instead of another receiver.
measure small_alertgate_am_webhook_c16 16 "http://127.0.0.1:$HTTP" small_alert.lua \
  "$(webhook_path "$WORK/small" alertmanager)" am_webhook amhook
measure small_alertgate_am_webhook_batch10_c16 16 "http://127.0.0.1:$HTTP" small_alert.lua \
  "$(webhook_path "$WORK/small" alertmanager)" am_webhook amhook10 10
# 5. IngestAlert over gRPC, on the same process's core.
SERVICE_ID=$(sed -n 's/.*(id \([0-9A-Z]*\)).*/\1/p' "$WORK/small/webhook-urls.txt")
before=$(cpu_ticks "$SMALL_PID")
"$ROOT/$BUILD/bench/bench_grpc_load" --mode=ingest --address="127.0.0.1:$GRPC" \
  --token_file="$WORK/small/admin-token" \
  --service_id="$SERVICE_ID" --seconds="$SECONDS_PER_RUN" --threads=32 --channels=4 \
  > "$RESULTS/grpc_ingest.json"
log "grpc_ingest: $(cat "$RESULTS/grpc_ingest.json")"
check_calls grpc_ingest "$RESULTS/grpc_ingest.json"
stop "$SMALL_PID"
check_store small_store "$WORK/small/alertgate.db" \
  "$(( $(acked_of "$RESULTS/small_alertgate_c16.json" "$RESULTS/costs_small_alertgate_c16.json") \
     + 10 * $(acked_of "$RESULTS/small_alertgate_batch10_c16.json") \
     + $(acked_of "$RESULTS/small_alertgate_am_webhook_c16.json") \
     + 10 * $(acked_of "$RESULTS/small_alertgate_am_webhook_batch10_c16.json") ))" 352
if [[ $SMOKE == 0 ]]; then
  AM_PORT=$(free_port)
  mkdir -p "$WORK/am"
  prometheus-alertmanager --config.file="$ROOT/bench/alertmanager.yml" \
    --storage.path="$WORK/am" --web.listen-address="127.0.0.1:$AM_PORT" \
    --cluster.listen-address="" > "$WORK/am.log" 2>&1 &
  AM_PID=$!
  PIDS+=("$AM_PID")
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$AM_PORT/-/ready" > /dev/null && break; sleep 0.1; done
  MEASURED_PIDS=$AM_PID
  measure small_alertmanager_c16 16 "http://127.0.0.1:$AM_PORT" small_alert.lua \
    /api/v2/alerts alertmanager am
  measure small_alertmanager_batch10_c16 16 "http://127.0.0.1:$AM_PORT" small_alert.lua \
    /api/v2/alerts alertmanager am10 10
  kernel_costs costs_small_alertmanager_c16 "$AM_PID" 16 "http://127.0.0.1:$AM_PORT" small_alert.lua \
    /api/v2/alerts alertmanager amk
  stop "$AM_PID"
fi

# 5b. Instructions per request, under callgrind: the bare server, then
# alertgate all-in-one with Bitbucket webhooks and with small alerts (4
# connections: a server under callgrind runs about 50 times slower).
# Alertmanager is left out: Go programs do not run reliably under valgrind.
if command -v valgrind > /dev/null && command -v callgrind_control > /dev/null; then
  start_under_callgrind cg_ceiling "$WORK/cg_bare.ports" "$ROOT/$BUILD/bench/bench_bare_httplib" \
    --port_file="$WORK/cg_bare.ports"
  CG_PID=$PID
  instruction_costs cg_ceiling cg_ceiling "$CG_PID" 4 "http://127.0.0.1:$(port_of "$WORK/cg_bare.ports" http)" \
    bitbucket_mix.lua /v1/webhooks/bitbucket/x "$FIXTURES" cgbare
  stop "$CG_PID"
  start_under_callgrind cg_alertgate "$WORK/cg_aio.ports" "$ALERTGATE" --data_dir="$WORK/cg_aio" \
    --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --admin_listen=127.0.0.1:0 --console_listen= \
    --log_deliveries=false --port_file="$WORK/cg_aio.ports"
  CG_PID=$PID
  CG_HTTP=$(port_of "$WORK/cg_aio.ports" http)
  instruction_costs cg_alertgate cg_allinone "$CG_PID" 4 "http://127.0.0.1:$CG_HTTP" bitbucket_mix.lua \
    "$(webhook_path "$WORK/cg_aio" bitbucket)" "$FIXTURES" cgaio
  instruction_costs cg_alertgate cg_small_alertgate "$CG_PID" 4 "http://127.0.0.1:$CG_HTTP" small_alert.lua \
    "$(webhook_path "$WORK/cg_aio" generic)" generic cgsmall
  stop "$CG_PID"
  # The rules' cost in instructions, which the timed rows above can only
  # show through their noise: the rules saved by a plain start (gRPC calls
  # to a server under callgrind time out), then the same under callgrind.
  start_allinone "$WORK/cg_rules"
  "$ROOT/$BUILD/clients/alertctl" --address="127.0.0.1:$GRPC" --token_file="$WORK/cg_rules/admin-token" \
    rules set default --file="$ROOT/bench/rules20.json" > /dev/null
  stop "$PID"
  start_under_callgrind cg_rules "$WORK/cg_rules.ports" "$ALERTGATE" --data_dir="$WORK/cg_rules" \
    --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --admin_listen=127.0.0.1:0 --console_listen= \
    --log_deliveries=false --port_file="$WORK/cg_rules.ports"
  CG_PID=$PID
  instruction_costs cg_rules cg_allinone_rules20 "$CG_PID" 4 "http://127.0.0.1:$(port_of "$WORK/cg_rules.ports" http)" \
    bitbucket_mix.lua "$(webhook_path "$WORK/cg_rules" bitbucket)" "$FIXTURES" cgrules
  stop "$CG_PID"
else
  log "valgrind not found: no instruction counts"
fi

# 6. A large store.
log "seeding $INCIDENTS incidents"
mkdir -p "$WORK/large"
"$ROOT/$BUILD/bench/bench_seed_store" --database="$WORK/large/alertgate.db" \
  --incidents="$INCIDENTS" > "$RESULTS/seed.json"
log "seed: $(cat "$RESULTS/seed.json")"
LARGE_SERVICE=$(/usr/bin/python3 -c "import json; print(json.load(open('$RESULTS/seed.json'))['service_id'])")
start core_large "$WORK/large.ports" "$ALERTGATE" --role=core --data_dir="$WORK/large" \
  --grpc_listen=127.0.0.1:0 --port_file="$WORK/large.ports"
LARGE_PID=$PID
LARGE_GRPC=127.0.0.1:$(port_of "$WORK/large.ports" grpc)
"$ROOT/$BUILD/bench/bench_grpc_load" --mode=list --address="$LARGE_GRPC" \
  --token_file="$WORK/large/admin-token" \
  --service_id="$LARGE_SERVICE" --seconds="$SECONDS_PER_RUN" > "$RESULTS/large_list.json"
"$ROOT/$BUILD/bench/bench_grpc_load" --mode=ingest --address="$LARGE_GRPC" \
  --token_file="$WORK/large/admin-token" \
  --service_id="$LARGE_SERVICE" --seconds="$SECONDS_PER_RUN" --threads=32 --channels=4 \
  --key_prefix=after-seed > "$RESULTS/large_ingest.json"
echo "{\"peak_rss_mb\": $(( $(peak_rss_kb "$LARGE_PID") / 1024 ))}" > "$RESULTS/large_rss.json"
check_calls large_list "$RESULTS/large_list.json"
check_calls large_ingest "$RESULTS/large_ingest.json"
log "large store: list $(cat "$RESULTS/large_list.json"); ingest $(cat "$RESULTS/large_ingest.json"); $(cat "$RESULTS/large_rss.json")"
stop "$LARGE_PID"

# 7. Under attack: hostile connections from 250 addresses (127.0.1.x),
# real deliveries from wrk beside them.
IDLE=1000; TRICKLE=300; CHUNKED=8; WATCHERS=2000
[[ $SMOKE == 1 ]] && { IDLE=100; TRICKLE=30; CHUNKED=2; WATCHERS=200; }
HOLD=$ROOT/$BUILD/bench/bench_hold
threads_of() { awk '/^Threads:/ {print $2}' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
# max_rss_during PID SECONDS: the largest RSS sampled every 100 ms.
max_rss_during() {
  local pid=$1 until=$((SECONDS + $2)) max=0 now
  while (( SECONDS < until )); do
    now=$(rss_kb "$pid"); (( now > max )) && max=$now
    sleep 0.1
  done
  echo "$max"
}
rm -f "$WORK/attack.ports"
start alertgate "$WORK/attack.ports" "$ALERTGATE" --data_dir="$WORK/attack" \
  --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --admin_listen=127.0.0.1:0 --console_listen= \
  --log_deliveries=false --http_max_connections=4096 --max_watchers=4096 --port_file="$WORK/attack.ports"
ATTACK_PID=$PID
HTTP=$(port_of "$WORK/attack.ports" http); GRPC=$(port_of "$WORK/attack.ports" grpc)
BB=$(webhook_path "$WORK/attack" bitbucket)
MEASURED_PIDS=$ATTACK_PID
"$HOLD" --port="$HTTP" --idle="$IDLE" --trickle="$TRICKLE" --path="$BB" \
  --seconds=$((SECONDS_PER_RUN + 4)) > "$RESULTS/attack_hold.json" &
HOLDER=$!
sleep 2
measure attack_allinone_c16 16 "http://127.0.0.1:$HTTP" bitbucket_mix.lua "$BB" "$FIXTURES" atk
echo "{\"threads\": $(threads_of "$ATTACK_PID"), \"idle\": $IDLE, \"trickle\": $TRICKLE}" \
  > "$RESULTS/attack_threads.json"
wait "$HOLDER"
log "attack: held $(cat "$RESULTS/attack_hold.json"); $(cat "$RESULTS/attack_threads.json")"
# Endless chunked bodies.
RSS_BEFORE=$(rss_kb "$ATTACK_PID")
"$HOLD" --port="$HTTP" --chunked="$CHUNKED" --path="$BB" --seconds=$((SECONDS_PER_RUN / 2 + 1)) \
  > "$RESULTS/attack_chunked_hold.json" &
HOLDER=$!
RSS_MAX=$(max_rss_during "$ATTACK_PID" $((SECONDS_PER_RUN / 2 + 1)))
wait "$HOLDER"
sleep 1
echo "{\"rss_before_mb\": $((RSS_BEFORE / 1024)), \"rss_max_mb\": $((RSS_MAX / 1024)), \"rss_after_mb\": $(( $(rss_kb "$ATTACK_PID") / 1024 )), \"streams\": $CHUNKED, \"bytes\": $(/usr/bin/python3 -c "import json; print(json.load(open('$RESULTS/attack_chunked_hold.json'))['bytes_sent'])")}" \
  > "$RESULTS/attack_memory.json"
log "attack memory: $(cat "$RESULTS/attack_memory.json")"
# Watchers: threads while they are held, and ingest beside them.
THREADS_BEFORE=$(threads_of "$ATTACK_PID")
"$ROOT/$BUILD/bench/bench_grpc_load" --mode=watch --address="127.0.0.1:$GRPC" \
  --token_file="$WORK/attack/admin-token" \
  --watchers="$WATCHERS" --seconds=$((SECONDS_PER_RUN + 2)) --channels=4 \
  > "$RESULTS/attack_watch_hold.json" &
WATCHER=$!
sleep 4  # Opening 2,000 streams takes about a second.
ATTACK_SERVICE=$(sed -n 's/.*(id \([0-9A-Z]*\)).*/\1/p' "$WORK/attack/webhook-urls.txt")
"$ROOT/$BUILD/bench/bench_grpc_load" --mode=ingest --address="127.0.0.1:$GRPC" \
  --token_file="$WORK/attack/admin-token" \
  --service_id="$ATTACK_SERVICE" --seconds="$((SECONDS_PER_RUN / 2 + 1))" --threads=32 --channels=4 \
  --key_prefix=watched > "$RESULTS/attack_watch_ingest.json"
THREADS_WATCHED=$(threads_of "$ATTACK_PID")
check_calls attack_watch_ingest "$RESULTS/attack_watch_ingest.json"
wait "$WATCHER"
echo "{\"watchers\": $WATCHERS, \"threads_before\": $THREADS_BEFORE, \"threads_with_watchers\": $THREADS_WATCHED}" \
  > "$RESULTS/attack_watch_threads.json"
log "watchers: $(cat "$RESULTS/attack_watch_hold.json"); $(cat "$RESULTS/attack_watch_threads.json"); ingest $(cat "$RESULTS/attack_watch_ingest.json")"
# Behind the shipped nginx recipe (adapted as docs/operations.md says; the
# per-address delivery rate raised, since wrk is one address).
if [[ -x /usr/sbin/nginx ]]; then
  NGINX_PORT=$(free_port)
  mkdir -p "$WORK/nginx"
  sed -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$HTTP;|" \
      -e "s|listen 443 ssl;|listen 127.0.0.1:$NGINX_PORT;|" \
      -e "/ssl_certificate/d" -e "s|rate=50r/s|rate=100000r/s|" \
      "$ROOT/deploy/nginx/alertgate.conf" > "$WORK/nginx/alertgate.conf"
  cat > "$WORK/nginx/nginx.conf" <<NGINX
$([[ $(id -u) == 0 ]] && echo "user root root;")
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  include $WORK/nginx/alertgate.conf;
}
NGINX
  /usr/sbin/nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" > "$WORK/nginx.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  for _ in $(seq 100); do curl -s "http://127.0.0.1:$NGINX_PORT/healthz" > /dev/null && break; sleep 0.05; done
  "$HOLD" --port="$NGINX_PORT" --idle="$IDLE" --trickle="$TRICKLE" --path="$BB" \
    --seconds=$((SECONDS_PER_RUN + 4)) > "$RESULTS/attack_nginx_hold.json" &
  HOLDER=$!
  sleep 2
  MEASURED_PIDS="$ATTACK_PID $NGINX_PID"
  measure attack_nginx_c16 16 "http://127.0.0.1:$NGINX_PORT" bitbucket_mix.lua "$BB" "$FIXTURES" atkn
  wait "$HOLDER"
  stop "$NGINX_PID"
fi
stop "$ATTACK_PID"
# Deliveries carry delivery ids (counted); the gRPC alerts beside the
# watchers do not.
ATTACK_ACKED=$(acked_of "$RESULTS/attack_allinone_c16.json")
[[ -f $RESULTS/attack_nginx_c16.json ]] && ATTACK_ACKED=$((ATTACK_ACKED + $(acked_of "$RESULTS/attack_nginx_c16.json")))
check_store attack_store "$WORK/attack/alertgate.db" "$ATTACK_ACKED" 64

# 8. PostgreSQL: the same paths on a throwaway server with fsync on.
log "postgresql: a throwaway server (pg_virtualenv)"
PG_MEMORY=(-o shared_buffers=2GB)
[[ $SMOKE == 1 ]] && PG_MEMORY=()  # The smoke run keeps the default 128 MB.
pg_virtualenv -v 15 -o fsync=on -o synchronous_commit=on "${PG_MEMORY[@]}" \
  bash "$ROOT/bench/postgres.sh"

# Results.
OUT=bench/results
[[ $SMOKE == 1 ]] && OUT=$WORK/out
mkdir -p "$OUT"
/usr/bin/python3 bench/report.py "$RESULTS" "$OUT/latest.json" \
  "$([[ $SMOKE == 1 ]] && echo "$WORK/out/benchmarks.md" || echo docs/benchmarks.md)" \
  "$SMOKE" "$SECONDS_PER_RUN" "$INCIDENTS"
log "done: $OUT/latest.json"

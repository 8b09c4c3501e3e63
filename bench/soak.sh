#!/usr/bin/env bash
# A soak: the real webhook mix at full speed on one all-in-one alertgate for
# --minutes (default 10), with retention windows shortened to 2 minutes so
# that pruning reaches its steady state within the run. Every minute it
# samples RSS, WAL and store size, deliveries so far, the hottest incident's
# alert count and GetIncident's latency on it. Writes bench/results/soak.json;
# bench/run.sh puts it in docs/benchmarks.md.
#   bench/soak.sh [--minutes=N]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MINUTES=10
for arg in "$@"; do
  case "$arg" in
    --minutes=*) MINUTES=${arg#--minutes=} ;;
    *) echo "usage: bench/soak.sh [--minutes=N]" >&2; exit 2 ;;
  esac
done
for p in wrk sqlite3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    { echo "soak: $p is missing (bench/run.sh installs it)" >&2; exit 1; }
done
BUILD=build-bench
[[ -f $BUILD/build.ninja ]] || cmake -S . -B $BUILD -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build $BUILD -j"$(nproc)" --target alertgate bitbucket generic bench_grpc_load > /dev/null
WORK=$(mktemp -d "${TMPDIR:-/tmp}/alertgate-soak-XXXXXX")
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT
RETENTION=2m
"$ROOT/$BUILD/server/alertgate" --data_dir="$WORK/data" --grpc_listen=127.0.0.1:0 \
  --http_listen=127.0.0.1:0 --admin_listen=127.0.0.1:0 --console_listen= --log_deliveries=false \
  --port_file="$WORK/ports" \
  --retain_idempotency_keys=$RETENTION --retain_resolved_incidents=$RETENTION \
  --retain_folded_alerts=$RETENTION \
  --retention_interval=20s > "$WORK/alertgate.log" 2>&1 &
PID=$!
PIDS+=("$PID")
for _ in $(seq 200); do [[ -s $WORK/ports ]] && break; sleep 0.05; done
HTTP=$(sed -n 's/^http=//p' "$WORK/ports"); GRPC=$(sed -n 's/^grpc=//p' "$WORK/ports")
ADMIN=$(sed -n 's/^admin=//p' "$WORK/ports")
BB=$(awk '$1 == "bitbucket" {print $2}' "$WORK/data/webhook-urls.txt" | sed 's|^http://[^/]*||')
wrk -t2 -c16 -d"$((MINUTES * 60 + 5))s" -s "$ROOT/bench/wrk/bitbucket_mix.lua" \
  "http://127.0.0.1:$HTTP" -- "$BB" "$ROOT/tests/fixtures/bitbucket" "soak$RANDOM" \
  > "$WORK/wrk.txt" 2>&1 &
PIDS+=("$!")

sample() {
  local db=$WORK/data/alertgate.db
  local deliveries hottest alerts get_ms
  deliveries=$(curl -s "http://127.0.0.1:$ADMIN/metrics" |
    awk '/^alertgate_webhook_deliveries_total/ {s += $NF} END {printf "%d", s}')
  read -r hottest alerts < <(sqlite3 -separator ' ' "$db" \
    "SELECT id, alert_count FROM incidents ORDER BY alert_count DESC LIMIT 1")
  get_ms=$("$ROOT/$BUILD/bench/bench_grpc_load" --mode=get --address="127.0.0.1:$GRPC" \
    --token_file="$WORK/data/admin-token" \
    --incident_id="$hottest" --seconds=2 | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['p50_ms'])")
  /usr/bin/python3 - "$1" "$deliveries" "$(awk '/^VmRSS:/ {print $2}' /proc/$PID/status)" \
    "$(stat -c %s "$db-wal" 2>/dev/null || echo 0)" "$(stat -c %s "$db")" "$alerts" "$get_ms" <<'PY'
import json, sys
minute, deliveries, rss_kb, wal, store, alerts, get_ms = sys.argv[1:]
print(json.dumps({"minute": int(minute), "deliveries": int(deliveries),
                  "rss_mb": int(rss_kb) // 1024, "wal_mb": int(wal) / 2**20,
                  "store_mb": int(store) / 2**20, "hottest_alerts": int(alerts),
                  "get_ms": float(get_ms)}))
PY
}
sleep 20
SAMPLES=$WORK/samples.jsonl
sample 0 > "$SAMPLES"
echo "soak: $(tail -1 "$SAMPLES")" >&2
for minute in $(seq "$MINUTES"); do
  sleep 58
  sample "$minute" >> "$SAMPLES"
  echo "soak: $(tail -1 "$SAMPLES")" >&2
done
mkdir -p bench/results
/usr/bin/python3 - "$SAMPLES" "$MINUTES" "$RETENTION" bench/results/soak.json <<'PY'
import datetime, json, sys
samples_path, minutes, retention, out = sys.argv[1:]
samples = [json.loads(line) for line in open(samples_path)]
last = samples[-1]
# With 2-minute windows the store holds about the last 2-3 minutes of
# deliveries (pruning runs every 20 s): bytes per delivery kept.
window = samples[-3] if len(samples) >= 3 else samples[0]
half = samples[len(samples) // 2]
json.dump({"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "minutes": int(minutes), "retention": retention, "samples": samples,
           "bytes_per_retained_delivery": last["store_mb"] * 2**20 / max(1, last["deliveries"] - window["deliveries"]),
           "store_growth_mb_per_minute_last_half": (last["store_mb"] - half["store_mb"]) / max(1, last["minute"] - half["minute"])},
          open(out, "w"), indent=2)
PY
echo "soak: done: bench/results/soak.json" >&2

#!/usr/bin/env bash
# bench/run.sh's PostgreSQL section. run.sh starts it under pg_virtualenv: a
# throwaway PostgreSQL 15 on this machine with fsync and synchronous_commit
# on (durable) and shared_buffers at 2 GB of the 24, as a production server
# would be set up, reached through the environment libpq
# reads (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE). Each step gets a
# schema of its own. Measures, side by side with run.sh's SQLite figures:
#   1. the ceiling: pgbench, one-row INSERT transactions, 16 clients
#   2. Bitbucket webhooks, all-in-one, one core on PostgreSQL
#   3. IngestAlert over gRPC on that core
#   4. two cores on one database: webhooks through one front door spreading
#      over both, then gRPC to both at once
#   5. a store of $INCIDENTS incidents: ingest rate and ListIncidents latency
# and checks after each webhook run that the store holds exactly what was
# acknowledged.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

# fresh_schema NAME: an empty schema; prints its --store URL.
fresh_schema() {
  psql -q -c "DROP SCHEMA IF EXISTS $1 CASCADE" -c "CREATE SCHEMA $1" > /dev/null 2>&1
  echo "postgresql:///$PGDATABASE?options=-csearch_path%3D$1"
}
# check_pg_store NAME SCHEMA ACKED CONNECTIONS: as check_store (lib.sh).
check_pg_store() {
  local stored
  stored=$(psql -Atc "SELECT count(*) FROM $2.idempotency_keys")
  store_verdict "$1" "$3" "$stored" "$4"
}
SETTINGS=$(psql -Atc "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name) FROM pg_settings
  WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'wal_sync_method', 'server_version')")
log "postgresql: $SETTINGS"
echo "{\"settings\": \"$SETTINGS\"}" > "$RESULTS/pg_settings.json"

# 1. The ceiling: the server's own rate of durable one-row commits.
psql -q -c "CREATE TABLE IF NOT EXISTS public.pgbench_ceiling (k integer, v text)" > /dev/null
echo "INSERT INTO public.pgbench_ceiling (k, v) VALUES (:client_id, repeat('x', 200));" \
  > "$WORK/pgbench_insert.sql"
TPS=$(pgbench -n -c 16 -j 2 -T "$SECONDS_PER_RUN" -f "$WORK/pgbench_insert.sql" 2> /dev/null \
  | sed -n 's/^tps = \([0-9.]*\) .*/\1/p')
echo "{\"inserts_per_second\": ${TPS:-0}}" > "$RESULTS/pg_ceiling.json"
log "pg_ceiling: $(cat "$RESULTS/pg_ceiling.json")"

# 2. and 3. One core, all-in-one.
STORE=$(fresh_schema bench_one)
mkdir -p "$WORK/pg_one"
start pg_one "$WORK/pg_one.ports" "$ALERTGATE" --data_dir="$WORK/pg_one" --store="$STORE" \
  --grpc_listen=127.0.0.1:0 --http_listen=127.0.0.1:0 --admin_listen=127.0.0.1:0 --console_listen= \
  --log_deliveries=false --port_file="$WORK/pg_one.ports"
ONE_PID=$PID
MEASURED_PIDS=$ONE_PID
measure pg_allinone_c16 16 "http://127.0.0.1:$(port_of "$WORK/pg_one.ports" http)" \
  bitbucket_mix.lua "$(webhook_path "$WORK/pg_one" bitbucket)" "$FIXTURES" pgone
SERVICE_ID=$(sed -n 's/.*(id \([0-9A-Z]*\)).*/\1/p' "$WORK/pg_one/webhook-urls.txt")
# What the server writes per alert: WAL bytes, around the run.
wal_position() { psql -Atc "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"; }
WAL_BEFORE=$(wal_position)
"$ROOT/$BUILD/bench/bench_grpc_load" --mode=ingest \
  --address="127.0.0.1:$(port_of "$WORK/pg_one.ports" grpc)" \
  --token_file="$WORK/pg_one/admin-token" --service_id="$SERVICE_ID" \
  --seconds="$SECONDS_PER_RUN" --threads=32 --channels=4 > "$RESULTS/pg_grpc_ingest.json"
log "pg_grpc_ingest: $(cat "$RESULTS/pg_grpc_ingest.json")"
/usr/bin/python3 - "$RESULTS/pg_grpc_ingest.json" "$(( $(wal_position) - WAL_BEFORE ))" \
  > "$RESULTS/pg_wal.json" <<'PY'
import json, sys
calls = max(1, json.load(open(sys.argv[1]))["calls"])
print(json.dumps({"wal_bytes_per_alert": int(sys.argv[2]) / calls}))
PY
log "pg_wal: $(cat "$RESULTS/pg_wal.json")"
check_calls pg_grpc_ingest "$RESULTS/pg_grpc_ingest.json"
stop "$ONE_PID"
check_pg_store pg_allinone_store bench_one "$(acked_of "$RESULTS/pg_allinone_c16.json")" 16

# 4. Two cores on one database, one front door over both.
STORE=$(fresh_schema bench_two)
mkdir -p "$WORK/pg_a" "$WORK/pg_b"
start pg_a "$WORK/pg_a.ports" "$ALERTGATE" --role=core --data_dir="$WORK/pg_a" --store="$STORE" \
  --grpc_listen=127.0.0.1:0 --port_file="$WORK/pg_a.ports"
A_PID=$PID
start pg_b "$WORK/pg_b.ports" "$ALERTGATE" --role=core --data_dir="$WORK/pg_b" --store="$STORE" \
  --grpc_listen=127.0.0.1:0 --port_file="$WORK/pg_b.ports"
B_PID=$PID
A_GRPC=127.0.0.1:$(port_of "$WORK/pg_a.ports" grpc)
B_GRPC=127.0.0.1:$(port_of "$WORK/pg_b.ports" grpc)
"$ALERTGATE" tokens create --role=ingest --name=bench-frontdoor --store="$STORE" \
  > "$WORK/pg_fd.token" 2> /dev/null
start pg_fd "$WORK/pg_fd.ports" "$ALERTGATE" --role=frontdoor --http_listen=127.0.0.1:0 \
  --admin_listen=127.0.0.1:0 --console_listen= --core_token_file="$WORK/pg_fd.token" \
  --core_address="$A_GRPC,$B_GRPC" --log_deliveries=false --port_file="$WORK/pg_fd.ports"
FD_PID=$PID
MEASURED_PIDS="$A_PID $B_PID $FD_PID"
measure pg_two_cores_c16 16 "http://127.0.0.1:$(port_of "$WORK/pg_fd.ports" http)" \
  bitbucket_mix.lua "$(webhook_path "$WORK/pg_a" bitbucket)" "$FIXTURES" pgtwo
stop "$FD_PID"
SERVICE_ID=$(sed -n 's/.*(id \([0-9A-Z]*\)).*/\1/p' "$WORK/pg_a/webhook-urls.txt")
for core in a b; do
  address=$A_GRPC; [[ $core == b ]] && address=$B_GRPC
  "$ROOT/$BUILD/bench/bench_grpc_load" --mode=ingest --address="$address" \
    --token_file="$WORK/pg_a/admin-token" --service_id="$SERVICE_ID" --key_prefix="two-$core" \
    --seconds="$SECONDS_PER_RUN" --threads=16 --channels=2 > "$RESULTS/pg_two_cores_grpc_$core.json" &
  PIDS+=("$!")
done
wait "${PIDS[@]: -2}"
check_calls pg_two_cores_grpc_a "$RESULTS/pg_two_cores_grpc_a.json"
check_calls pg_two_cores_grpc_b "$RESULTS/pg_two_cores_grpc_b.json"
log "pg_two_cores_grpc: $(cat "$RESULTS/pg_two_cores_grpc_a.json" "$RESULTS/pg_two_cores_grpc_b.json")"
stop "$A_PID"; stop "$B_PID"
check_pg_store pg_two_cores_store bench_two "$(acked_of "$RESULTS/pg_two_cores_c16.json")" 16

# 5. A large store.
STORE=$(fresh_schema bench_large)
log "seeding $INCIDENTS incidents into PostgreSQL"
"$ROOT/$BUILD/bench/bench_seed_store" --store="$STORE" --incidents="$INCIDENTS" \
  > "$RESULTS/pg_seed.json"
log "pg_seed: $(cat "$RESULTS/pg_seed.json")"
psql -q -c "VACUUM ANALYZE" > /dev/null 2>&1
LARGE_SERVICE=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['service_id'])" "$RESULTS/pg_seed.json")
mkdir -p "$WORK/pg_large"
start pg_large "$WORK/pg_large.ports" "$ALERTGATE" --role=core --data_dir="$WORK/pg_large" \
  --store="$STORE" --grpc_listen=127.0.0.1:0 --port_file="$WORK/pg_large.ports"
LARGE_PID=$PID
LARGE_GRPC=127.0.0.1:$(port_of "$WORK/pg_large.ports" grpc)
"$ROOT/$BUILD/bench/bench_grpc_load" --mode=list --address="$LARGE_GRPC" \
  --token_file="$WORK/pg_large/admin-token" \
  --service_id="$LARGE_SERVICE" --seconds="$SECONDS_PER_RUN" > "$RESULTS/pg_large_list.json"
"$ROOT/$BUILD/bench/bench_grpc_load" --mode=ingest --address="$LARGE_GRPC" \
  --token_file="$WORK/pg_large/admin-token" \
  --service_id="$LARGE_SERVICE" --seconds="$SECONDS_PER_RUN" --threads=32 --channels=4 \
  --key_prefix=after-seed > "$RESULTS/pg_large_ingest.json"
check_calls pg_large_list "$RESULTS/pg_large_list.json"
check_calls pg_large_ingest "$RESULTS/pg_large_ingest.json"
log "pg large store: list $(cat "$RESULTS/pg_large_list.json"); ingest $(cat "$RESULTS/pg_large_ingest.json")"
stop "$LARGE_PID"

# Shared by the client tests: starts a real alertgate core on a free port in
# a temporary folder, stops it on exit, and counts checks.
#   source client_harness.sh <alertgate binary>
set -euo pipefail
ALERTGATE_BIN=$1
WORK=$(mktemp -d "${TEST_TMPDIR:-/tmp}/alertgate-client-XXXXXX")
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
PASSED=0
FAILED=0

start_core() {
  "$ALERTGATE_BIN" --role=core --data_dir="$WORK/data" --grpc_listen=127.0.0.1:0 \
    --port_file="$WORK/ports" > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    [[ -s "$WORK/ports" ]] && break
    sleep 0.1
  done
  [[ -s "$WORK/ports" ]] || { cat "$WORK/server.log"; echo "alertgate did not start"; exit 1; }
  export ALERTGATE_ADDRESS="127.0.0.1:$(sed -n 's/^grpc=//p' "$WORK/ports")"
  # The first start's admin token, as the README tells people to use it.
  export ALERTGATE_TOKEN=$(cat "$WORK/data/admin-token")
}

# check NAME EXPECTED_EXIT COMMAND... : runs COMMAND, keeps its output in
# $OUT, and counts a pass when it exits with EXPECTED_EXIT.
check() {
  local name=$1 expected=$2
  shift 2
  local status=0
  OUT=$("$@" 2>&1) || status=$?
  if [[ "$status" == "$expected" ]]; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    echo "FAIL: $name: exit $status, expected $expected; output:"
    echo "$OUT"
  fi
}

# expect NAME PATTERN: the last check's output matches PATTERN.
expect() {
  if grep -qE -- "$2" <<<"$OUT"; then
    PASSED=$((PASSED + 1))
  else
    FAILED=$((FAILED + 1))
    echo "FAIL: $1: output lacks /$2/:"
    echo "$OUT"
  fi
}

finish() {
  echo "$1: $PASSED passed, $FAILED failed"
  [[ "$FAILED" == 0 ]]
}

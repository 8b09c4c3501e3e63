#!/usr/bin/env bash
# The Python example against a real server: it lists open incidents and
# acknowledges one, with Debian's python3-grpcio and the generated stubs.
#   usage: python_client_test.sh <alertgate> <alertctl> <stubs dir> <example.py>
source "$(dirname "$0")/client_harness.sh" "$1"
A=$2
export PYTHONPATH=$3
EXAMPLE=$4
PYTHON=/usr/bin/python3  # Debian's, which has python3-grpcio.
start_core

check "service" 0 "$A" services create payments
check "first" 0 "$A" alert trigger --service=payments --dedup_key=queue --summary="Queue backlog"
FIRST=$(awk '{print $2}' <<<"$OUT")
check "second" 0 "$A" alert trigger --service=payments --dedup_key=latency --summary="Slow answers"

check "python lists" 0 "$PYTHON" "$EXAMPLE" --address="$ALERTGATE_ADDRESS" --service=payments
expect "python lists both" "queue +Queue backlog"
expect "python lists both" "latency +Slow answers"
check "python acknowledges the oldest" 0 "$PYTHON" "$EXAMPLE" --address="$ALERTGATE_ADDRESS" \
  --service=payments --acknowledge-oldest --actor=py
expect "python acknowledged" "acknowledged $FIRST"
check "state seen by alertctl" 0 "$A" incidents get "$FIRST"
expect "acknowledged by the token, on behalf of py" "acknowledged .* by admin on behalf of py"
check "python unknown incident" 2 "$PYTHON" "$EXAMPLE" --address="$ALERTGATE_ADDRESS" --acknowledge=01ARZ3NDEKTSV4RRFFQ69G5FAV
check "python unknown service" 2 "$PYTHON" "$EXAMPLE" --address="$ALERTGATE_ADDRESS" --service=nope
check "python unreachable" 4 "$PYTHON" "$EXAMPLE" --address=127.0.0.1:1

# A plain gRPC client: everything it knows comes from server reflection.
REFLECT=$(dirname "$EXAMPLE")/reflection_call.py
check "reflection lists services" 0 "$PYTHON" "$REFLECT" --address="$ALERTGATE_ADDRESS" \
  --method=alertgate.v1.IncidentService/ListIncidents --request='{"page_size": 1}'
expect "services listed" "services: .*alertgate.v1.IncidentService.*alertgate.v1.ServiceDirectory"
expect "health is there too" "grpc.health.v1.Health"
expect "a call built from reflection" "\"dedup_key\": \"latency\""
check "reflection unknown incident" 1 "$PYTHON" "$REFLECT" --address="$ALERTGATE_ADDRESS" \
  --method=alertgate.v1.IncidentService/GetIncident --request='{"id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}'
expect "reflection error" "NOT_FOUND"
# Reflection needs a token of role read, like every call but health.
check "reflection without a token" 1 "$PYTHON" "$REFLECT" --address="$ALERTGATE_ADDRESS" --token=
expect "reflection refused" "UNAUTHENTICATED"
INGEST=$("$A" tokens create py-ingest --role=ingest 2>/dev/null)
check "python without the role" 8 "$PYTHON" "$EXAMPLE" --address="$ALERTGATE_ADDRESS" --token="$INGEST"
expect "refused for its role" "PERMISSION_DENIED"
finish python_client_test

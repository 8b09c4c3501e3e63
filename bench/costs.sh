# Per-request costs that do not move with the machine's speed (issue 18),
# sourced by bench/run.sh after lib.sh:
#   - the kernel's side, from perf's software counter and tracepoints on the
#     server's processes during a wrk run: context switches, system calls
#     and syncs (fdatasync + fsync) per acknowledged request, and the
#     requests each sync made durable;
#   - the instructions, from valgrind's callgrind on a server started under
#     it: counters zeroed after start-up, a wrk run, counters dumped;
#     instructions per acknowledged request.
# Each is a short wrk run of its own beside the timed ones (counting slows
# a server down). Where perf or valgrind cannot run here, the result says
# so and the run goes on.

# kernel_costs NAME "PIDS" CONNECTIONS URL SCRIPT ARGS...
kernel_costs() {
  local name=$1 pids=$2 connections=$3
  shift 3
  local counts="$WORK/$name.perf"
  perf stat -x, -o "$counts" \
    -e context-switches,raw_syscalls:sys_enter,syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync \
    -p "${pids// /,}" > /dev/null 2>&1 &
  local perf_pid=$!
  sleep 0.3
  local result
  result=$(wrk_run "$connections" "$@")
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  /usr/bin/python3 - "$RESULTS/$name.json" "$result" "$counts" "$connections" <<'PY'
import json, sys
path, wrk, counts, conns = sys.argv[1:]
r = json.loads(wrk)
counted = {}
try:
    for line in open(counts):
        parts = line.strip().split(",")
        if len(parts) > 2 and parts[0].isdigit():
            counted[parts[2]] = int(parts[0])
except OSError:
    pass
acked = max(1, r["acked"])
out = {"acked": r["acked"], "seconds": r["seconds"], "per_second": r["per_second"],
       "connections": int(conns)}
if "raw_syscalls:sys_enter" in counted:
    syncs = (counted.get("syscalls:sys_enter_fdatasync", 0)
             + counted.get("syscalls:sys_enter_fsync", 0))
    out.update({
        "context_switches_per_request": counted.get("context-switches", 0) / acked,
        "syscalls_per_request": counted["raw_syscalls:sys_enter"] / acked,
        "syncs_per_second": syncs / r["seconds"],
        "requests_per_sync": r["acked"] / syncs if syncs else None,
    })
else:
    out["unavailable"] = "perf stat could not count here (no perf, or not permitted)"
json.dump(out, open(path, "w"))
PY
  log "$name: $(cat "$RESULTS/$name.json")"
}

# start_under_callgrind NAME PORTS_FILE COMMAND...: like `start`, with the
# command under callgrind (out files $WORK/NAME.cg*); sets $PID.
start_under_callgrind() {
  local name=$1 ports=$2
  shift 2
  rm -f "$ports"
  START_TRIES=1200 start "$name" "$ports" valgrind --tool=callgrind --dump-instr=no \
    --callgrind-out-file="$WORK/$name.cg" "$@"
}

# instruction_costs STARTED NAME PID CONNECTIONS URL SCRIPT ARGS...: PID
# runs under callgrind (start_under_callgrind STARTED); the result is NAME,
# with "parts": where the instructions went, per request, from
# callgrind_annotate's inclusive counts of the functions named in
# bench/instruction_parts.py (the profile the report shows).
instruction_costs() {
  local started=$1 name=$2 pid=$3 connections=$4
  shift 4
  callgrind_control -z "$pid" > /dev/null 2>&1
  local result
  result=$(wrk_run "$connections" "$@")
  callgrind_control -d "$pid" > /dev/null 2>&1
  local dump
  dump=$(ls -t "$WORK/$started.cg".* 2>/dev/null | head -1)
  local ir=0
  local inclusive="$WORK/$name.inclusive"
  : > "$inclusive"
  if [[ -n $dump ]]; then
    ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$dump" | head -1)
    callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$dump" > "$inclusive" 2>/dev/null || true
  fi
  /usr/bin/python3 - "$RESULTS/$name.json" "$result" "${ir:-0}" "$connections" "$inclusive" <<'PY'
import json, os, sys
sys.path.insert(0, os.path.join(os.environ["ROOT"], "bench"))
from instruction_parts import parts_per_request
path, wrk, ir, conns, inclusive = sys.argv[1:]
r = json.loads(wrk)
out = {"acked": r["acked"], "connections": int(conns), "instructions": int(ir)}
if int(ir) and r["acked"]:
    out["instructions_per_request"] = int(ir) / r["acked"]
    out["parts"] = parts_per_request(open(inclusive).read(), r["acked"])
else:
    out["unavailable"] = "callgrind gave no count (no valgrind, or nothing acknowledged)"
json.dump(out, open(path, "w"))
PY
  log "$name: $(cat "$RESULTS/$name.json")"
}

"""Where a request's instructions go: callgrind_annotate's inclusive
counts of a few functions along alertgate's webhook path, per request.

Parts nest (the plugin runs inside the front door's handler, the incident
logic inside the store's transactions); the report indents them so. A
function callgrind lists several times (its inlined pieces under other
source files) counts once, at its largest figure, which is the whole.
"""
import re

# (key, label, depth, patterns): a part's figure is the sum over its
# patterns of each one's largest inclusive count.
PARTS = [
    ("handler", "front door handler: checks, plugin, gRPC call, answer, log entry", 0,
     [r"FrontDoorServer::Deliver\("]),
    ("plugin", "the source plugin: parse the body, build the alerts", 1,
     [r"SourceAdapter::Convert\("]),
    ("grpc_client", "the in-process gRPC call, caller's side", 1,
     [r"ClientCoreApi::IngestAlert\(", r"ClientCoreApi::IngestAlerts\("]),
    ("answer", "the JSON answer and the delivery-log entry", 1,
     [r"WebhookHandler::Accepted\(", r"JsonAnswer\(", r"DeliveryLogEntry\("]),
    ("store", "the store's writer: transactions and commits", 0,
     [r"SqliteStore::CommitBatch\("]),
    ("incident", "the incident logic and its statements", 1,
     [r"IncidentCore::ApplyIngest\("]),
    ("deliveries", "delivery-log rows", 1,
     [r"SqliteTransaction::InsertDelivery\("]),
    # BEGIN and COMMIT ran through sqlite3_exec (Exec) before issue 18; they
    # are prepared statements now, run like each write's savepoint.
    ("commit", "BEGIN, COMMIT and each write's savepoint (the WAL written and checksummed)", 1,
     [r"SqliteConnection::Exec\(", r"SqliteStore::RunStatic\("]),
    # glibc's malloc and free (the "before" profile), or tcmalloc's entry
    # points, which callgrind names without an object file and whose fast
    # paths call no other allocation function.
    ("alloc", "of all the above and the rest: malloc and free", 0,
     [r"malloc\.c:malloc ", r"malloc\.c:free "]
     + [r"^\?\?\?:%s\(?.*\[\?\?\?\]$" % name for name in (
         "malloc", "free", "calloc", "realloc", r"operator new", r"operator delete")]),
]

LINE = re.compile(r"^\s*([\d,]+) \([^)]*\)\s+(.*)$")


def parts_per_request(annotate_output, requests):
    best = {}
    for line in annotate_output.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        count, name = int(m.group(1).replace(",", "")), m.group(2)
        for _, _, _, patterns in PARTS:
            for pattern in patterns:
                if re.search(pattern, name):
                    best[pattern] = max(best.get(pattern, 0), count)
    out = {}
    for key, _, _, patterns in PARTS:
        total = sum(best.get(p, 0) for p in patterns)
        if total:
            out[key] = total / requests
    return out

#!/usr/bin/env bash
# alertctl against a real server: every command's happy path, and its errors
# with the exit codes docs/api.md documents.
#   usage: alertctl_test.sh <alertgate binary> <alertctl binary>
source "$(dirname "$0")/client_harness.sh" "$1"
A=$2
start_core

check "create" 0 "$A" services create checkout --description="Checkout API"
expect "create shows the service" "checkout +.*Checkout API"
check "create twice" 6 "$A" services create checkout
check "bad name" 5 "$A" services create "Check Out"
check "list" 0 "$A" services list
expect "list has both" "default"
expect "list has both" "checkout"
check "get by name" 0 "$A" services get checkout -o json
SERVICE_ID=$(sed -n 's/.*"id": "\([0-9A-Z]*\)".*/\1/p' <<<"$OUT" | head -1)
check "get by id" 0 "$A" services get "$SERVICE_ID"
expect "get by id" "checkout"
check "get unknown" 2 "$A" services get nope

check "webhook url" 0 "$A" services webhook-url checkout --source=bitbucket --public_url=https://alerts.example.com
expect "webhook url" "^https://alerts.example.com/v1/webhooks/bitbucket/[0-9a-f]{48}$"
FIRST_URL=$OUT
check "webhook url again refuses" 3 "$A" services webhook-url checkout --source=bitbucket
expect "the refusal says where the URL is" "webhook-urls.txt"
expect "the refusal says how to replace it" "--source=bitbucket --rotate"
check "webhook url rotate" 0 "$A" services webhook-url checkout --source=bitbucket --rotate
[[ "$OUT" != "$FIRST_URL" ]] && PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: rotate kept the URL"; }
check "webhook url needs source" 1 "$A" services webhook-url checkout
check "webhook url as json" 0 "$A" services webhook-url checkout --source=bitbucket --rotate -o json
python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["service"] == "checkout" and d["source"] == "bitbucket" and "/v1/webhooks/bitbucket/" in d["url"], d' < <(sed -n '/^{/,$p' <<<"$OUT") &&
  PASSED=$((PASSED + 1)) || { FAILED=$((FAILED + 1)); echo "FAIL: webhook-url -o json is not the documented JSON: $OUT"; }
# A core alone does not know where its front doors are: the path, and a hint.
check "webhook url without a base" 0 "$A" services webhook-url checkout --source=generic
expect "webhook url without a base" "^/v1/webhooks/generic/[0-9a-f]{48}$"
expect "webhook url without a base" "--public_url"
check "set secret" 0 "$A" services set-secret checkout --source=bitbucket --secret=s3cret
expect "set secret" "must be signed"
check "sources list" 0 "$A" sources list checkout
expect "sources list" "bitbucket +yes +yes +not receiving"
# A core alone has no front door: an empty log, but the command works.
check "deliveries list" 0 "$A" deliveries list checkout --source=bitbucket
expect "deliveries list has its columns" "ID +RECEIVED +SOURCE +EVENT +DELIVERY ID"
check "deliveries of an unknown service" 2 "$A" deliveries list nope
check "replay of an unknown delivery" 2 "$A" deliveries replay 01ARZ3NDEKTSV4RRFFQ69G5FAV


check "trigger" 0 "$A" alert trigger --service=checkout --dedup_key=disk --summary="Disk full" --severity=critical
expect "trigger opens" "^OPENED [0-9A-Z]{26}$"
INCIDENT=$(awk '{print $2}' <<<"$OUT")
check "trigger folds" 0 "$A" alert trigger --service=checkout --dedup_key=disk --summary="Disk still full"
expect "trigger folds" "^FOLDED $INCIDENT$"
check "trigger needs dedup key" 1 "$A" alert trigger --service=checkout --summary=x
check "trigger needs summary" 5 "$A" alert trigger --service=checkout --dedup_key=k
check "bad severity" 5 "$A" alert trigger --service=checkout --dedup_key=k --summary=x --severity=loud
check "unknown service" 2 "$A" alert trigger --service=nope --dedup_key=k --summary=x
check "sources show receiving" 0 "$A" sources list checkout
expect "manual receiving" "manual +no +no +receiving alerts"

check "list open" 0 "$A" incidents list --service=checkout --state=open
expect "list open shows the service by name" "$INCIDENT +TRIGGERED +checkout +manual +2 .*Disk still full"
check "list bad state" 5 "$A" incidents list --state=sleeping
check "list json" 0 "$A" incidents list -o json
expect "list json" "\"dedup_key\": \"disk\""
check "get" 0 "$A" incidents get "$INCIDENT"
expect "get timeline" "ALERT_FOLDED"
expect "get shows the service by name" "service +checkout \\("
check "get the latest entry only" 0 "$A" incidents get "$INCIDENT" --timeline=1
expect "get says how many there are" "the latest 1 of 2 timeline entries"
check "ack" 0 "$A" incidents ack "$INCIDENT" --actor=alice --note=looking
expect "ack" "$INCIDENT ACKNOWLEDGED"
check "ack again" 0 "$A" incidents ack "$INCIDENT" --actor=bob
expect "ack again" "unchanged"
check "resolve" 0 "$A" incidents resolve "$INCIDENT" --actor=alice
expect "resolve" "RESOLVED"
check "ack resolved" 3 "$A" incidents ack "$INCIDENT"
check "resolve again" 0 "$A" incidents resolve "$INCIDENT"
check "get unknown incident" 2 "$A" incidents get 01ARZ3NDEKTSV4RRFFQ69G5FAV
check "ack by key, nothing open" 0 "$A" alert ack --service=checkout --dedup_key=disk
expect "nothing open" "NOTHING_OPEN"
check "resolve by key" 0 "$A" alert trigger --service=checkout --dedup_key=cpu --summary="CPU hot"
check "resolve by key" 0 "$A" alert resolve --service=checkout --dedup_key=cpu
expect "resolve by key" "^RESOLVED"

check "watch from the start" 0 "$A" incidents watch --after=0 --count=3
expect "watch" "^1 .* OPENED"
expect "watch" "^3 .* ACKNOWLEDGED .* alice looking"
check "watch json" 0 "$A" incidents watch --after=4 --count=1 -o json
expect "watch json" "\"sequence\":\"5\""
LAST_SEQUENCE=$("$A" incidents watch --until_caught_up 2>/dev/null | tail -1 | awk '{print $1}')
check "watch until caught up" 0 "$A" incidents watch --after=$((LAST_SEQUENCE - 1)) --until_caught_up
expect "watch until caught up" "^$LAST_SEQUENCE .* RESOLVED"
expect "watch until caught up" "caught up at sequence $LAST_SEQUENCE"

check "alertgate help" 1 "$ALERTGATE_BIN" --help
expect "alertgate help lists its flags" "--grpc_listen \\(Address of the gRPC API"
expect "alertgate help gives defaults" "default: \"127.0.0.1:50051\""
expect "alertgate help lists its flags" "--public_url"
expect "alertgate help has one program name" "^alertgate: self-hosted"

# Tokens: made, listed, used for what their role allows, revoked.
check "tokens create" 0 "$A" tokens create viewer --role=read
VIEWER=$(grep '^agt_' <<<"$OUT")
check "a read token reads" 0 "$A" --token="$VIEWER" services list
check "a read token cannot create" 8 "$A" --token="$VIEWER" services create nope
expect "the refusal names the role" "PERMISSION_DENIED.*role \\(read\\)"
check "tokens list" 0 "$A" tokens list
expect "tokens list shows the role" "viewer +READ"
check "tokens revoke" 0 "$A" tokens revoke viewer
check "a revoked token is refused" 8 "$A" --token="$VIEWER" services list
expect "refused as unauthenticated" "UNAUTHENTICATED"
check "no token" 8 env ALERTGATE_TOKEN= "$A" services list
check "bad role" 1 "$A" tokens create other --role=boss
check "token from a file" 0 env ALERTGATE_TOKEN= "$A" --token_file="$WORK/data/admin-token" services list
# Locked out? On the data folder, with alertgate running, no token needed.
check "offline token" 0 "$ALERTGATE_BIN" tokens create --role=admin --name=recovery --data_dir="$WORK/data"
RECOVERY=$(grep '^agt_' <<<"$OUT")
check "the offline token works at once" 0 "$A" --token="$RECOVERY" tokens list
expect "it is listed" "recovery +ADMIN"
check "offline token, bad role" 1 "$ALERTGATE_BIN" tokens create --role=boss --data_dir="$WORK/data"
check "offline token, no store there" 1 "$ALERTGATE_BIN" tokens create --role=admin --data_dir="$WORK/nowhere"
expect "says how to find the store" "no store at"
check "audit list" 0 "$A" audit list
expect "audit names the token that acted" "admin +token.revoke +viewer"
expect "audit has the first start" "alertgate +service.create +default"
expect "audit has the offline token" "alertgate tokens create .* +token.create +recovery"

check "source plugins" 0 "$A" sources plugins
expect "the plugins with their headers" "bitbucket +Bitbucket +1.0.0 +X-Hub-Signature +X-Request-UUID,X-Request-Id"
expect "github too" "github +GitHub +1.0.0 +X-Hub-Signature-256 +X-GitHub-Delivery"
check "setup steps" 0 "$A" sources setup bitbucket
expect "the plugin's own steps" "^1\. Bitbucket Cloud: open the repository"
check "setup of an unknown source" 2 "$A" sources setup nope

# After the incident checks above: the test alert is an incident too.
check "test alert" 0 "$A" sources test checkout --source=bitbucket
expect "test alert answer" "^checkout: test incident [0-9A-Z]{26} for bitbucket opened and resolved$"
check "sources list after the test alert" 0 "$A" sources list checkout
expect "test alert turns receiving" "bitbucket +yes +yes +receiving alerts"
check "test alert without a source" 1 "$A" sources test checkout

# Rules: refused with the reason, saved, shown, tried, and applied.
cat > "$WORK/bad-rules.json" <<'JSON'
{"rules": [{"name": "broken", "when": [{"field": "RULE_FIELD_SUMMARY", "op": "MATCH_OPERATOR_REGEX", "value": "("}]}]}
JSON
cat > "$WORK/rules.json" <<'JSON'
{"rules": [
  {"name": "quiet renovate", "when": [{"field": "RULE_FIELD_SUMMARY", "op": "MATCH_OPERATOR_REGEX", "value": "(?i).*renovate.*"}],
   "then": {"suppress": true, "add_tags": {"bot": "renovate"}}},
  {"name": "pages are critical", "when": [{"field": "RULE_FIELD_TAG", "tag": "page", "op": "MATCH_OPERATOR_EQUALS", "value": "yes"}],
   "then": {"set_severity": "SEVERITY_CRITICAL"}, "stop": true}
]}
JSON
cat > "$WORK/alert.json" <<'JSON'
{"source": "bitbucket", "event": "repo:push", "action": "ACTION_TRIGGER", "dedup_key": "push:1", "summary": "Renovate updated lodash", "tags": {"page": "yes"}}
JSON
check "rules before any" 0 "$A" rules show checkout
expect "rules before any" "^checkout: 0 rules, revision 0$"
check "rules that do not compile" 5 "$A" rules set checkout --file="$WORK/bad-rules.json"
expect "the refusal names the rule and field" "rules\[0\]\.when\[0\]\.value: not a valid regular expression"
check "rules not JSON" 5 "$A" rules set checkout --file="$WORK/alert.json"
check "rules without a file" 1 "$A" rules set checkout
check "rules set" 0 "$A" rules set checkout --file="$WORK/rules.json"
expect "rules set" "^checkout: 2 rules saved, revision 1$"
check "rules set on a stale revision" 3 "$A" rules set checkout --file="$WORK/rules.json" --revision=0
check "rules show" 0 "$A" rules show checkout
expect "rules show the conditions" "when: summary regex \"\(\?i\)\.\*renovate\.\*\""
expect "rules show the actions" "then: severity critical, stop"
check "rules test" 0 "$A" rules test checkout --alert="$WORK/alert.json"
expect "rules test names the rules" "^matched: quiet renovate, pages are critical$"
expect "rules test names the suppressing rule" "^suppressed by: quiet renovate$"
check "rules applied at ingest" 0 "$A" alert trigger --service=checkout --dedup_key=renovate-1 --summary="Renovate: update lodash"
RULED=$(awk '{print $2}' <<<"$OUT")
check "the incident is suppressed" 0 "$A" incidents get "$RULED"
expect "the incident is suppressed" "SUPPRESSED"
expect "the timeline names the rule" "suppressed by rule \"quiet renovate\""
check "rules of an unknown service" 2 "$A" rules show nope
check "maintenance add" 0 "$A" maintenance add checkout --name="db upgrade" --starts=2030-01-06T02:00 --duration=2h --time_zone=Europe/Berlin --repeat=weekly
expect "maintenance add" "^checkout: maintenance window \"db upgrade\" saved, revision 2$"
check "maintenance in an unknown zone" 5 "$A" maintenance add checkout --name=x --starts=2030-01-06T02:00 --duration=1h --time_zone=Mars/Base
expect "the refusal names the zone" "unknown time zone \"Mars/Base\""
check "maintenance with a bad start" 5 "$A" maintenance add checkout --name=x --starts=tomorrow --duration=1h
check "auto-resolve set" 0 "$A" auto-resolve set checkout --quiet=90m --source=bitbucket --dedup_key_prefix=push:
check "rules show the windows and timers" 0 "$A" rules show checkout
expect "the window" "maintenance \"db upgrade\": 2030-01-06T02:00 Europe/Berlin for 120m, weekly"
expect "the timer" "auto-resolve bitbucket, dedup keys push:\* after 90 minutes without an alert"
check "maintenance remove" 0 "$A" maintenance remove checkout --name="db upgrade"
check "maintenance remove again" 2 "$A" maintenance remove checkout --name="db upgrade"
check "auto-resolve clear" 0 "$A" auto-resolve set checkout --quiet=0 --source=bitbucket --dedup_key_prefix=push:
check "nothing left but the rules" 0 "$A" rules show checkout
expect "nothing left but the rules" "^checkout: 2 rules, revision 5$"
check "webhooks add" 0 "$A" webhooks add checkout --name=slack --url=https://hooks.slack.com/services/T/B/X --events=triggered,resolved --format=slack
expect "webhooks add" '^checkout: webhook "slack" saved, revision 6$'
expect "the admin sees the secret" "^signing secret: agws_[0-9a-f]{48}$"
check "webhooks with a bad event" 1 "$A" webhooks add checkout --name=x --url=https://example.com/ --events=exploded
check "webhooks with a bad url" 5 "$A" webhooks add checkout --name=x --url=ftp://example.com/
expect "the refusal names the field" "webhooks\[1\]\.url"
check "webhooks list" 0 "$A" webhooks list checkout
expect "webhooks list" "slack +https://hooks.slack.com/services/T/B/X +triggered,resolved +slack +yes"
check "rules show the webhook" 0 "$A" rules show checkout
expect "rules show the webhook" 'webhook "slack": triggered, resolved to https://hooks.slack.com/services/T/B/X \(slack\)'
check "webhooks messages" 0 "$A" webhooks messages checkout --state=dead_lettered
expect "webhooks messages" "ID +CREATED +WEBHOOK +EVENT"
check "webhooks messages of a bad state" 1 "$A" webhooks messages checkout --state=lost
check "redeliver an unknown message" 2 "$A" webhooks redeliver 01JNOSUCHMESSAGE0000000000
check "webhooks remove" 0 "$A" webhooks remove checkout --name=slack
check "webhooks remove again" 2 "$A" webhooks remove checkout --name=slack

check "help" 0 "$A" incidents --help
expect "help" "alertctl incidents ack ID"
check "unknown command" 1 "$A" incidents explode
check "no command" 1 "$A"
check "bad output" 1 "$A" services list -o yaml
check "unreachable" 4 "$A" --address=127.0.0.1:1 --timeout=2s services list
finish alertctl_test

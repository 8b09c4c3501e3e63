#!/usr/bin/env bash
# Follows docs/adding-a-source.md step by step, from the installed SDK only:
# install the SDK, copy the installed example, build it with CMake (and with
# Bazel when it is installed), and load the result as alertgate does
# (alertgate-plugin-check). First it checks that every file the guide shows
# is, byte for byte, the file this test builds.
#   usage: out_of_tree_plugin_test.sh <source dir> <cmake build dir>
set -euo pipefail
SOURCE_DIR=$(cd "$1" && pwd)
BUILD_DIR=$(cd "$2" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/alertgate-oot-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PREFIX="$WORK/prefix"
passed=0

fail() { echo "FAIL: $*" >&2; exit 1; }

# The guide's snippets: each block after "<!-- snippet: PATH -->" is PATH.
python3 - "$SOURCE_DIR" <<'PY' || fail "docs/adding-a-source.md differs from the example"
import pathlib, re, sys
root = pathlib.Path(sys.argv[1])
guide = (root / "docs/adding-a-source.md").read_text()
blocks = re.findall(r"<!-- snippet: (\S+) -->\n```[a-z]*\n(.*?)```\n", guide, re.S)
assert len(blocks) >= 3, f"only {len(blocks)} snippets found"
for path, text in blocks:
    if (root / path).read_text() != text:
        sys.exit(f"{path}: the guide's copy differs from the file")
print(f"guide: {len(blocks)} snippets equal their files")
PY
passed=$((passed + 1))

# Step 1 of the guide: install the SDK.
cmake --install "$BUILD_DIR" --prefix "$PREFIX" --component sdk > "$WORK/install.log"

# Step 2: the installed example, copied to a folder of one's own.
cp -r "$PREFIX/share/alertgate_sdk/examples/uptime" "$WORK/uptime"
cmp -s "$WORK/uptime/uptime_adapter.cc" "$SOURCE_DIR/adapters/examples/uptime/uptime_adapter.cc" ||
  fail "the installed example is not the source tree's"

# Step 4's delivery.
cd "$WORK"
echo '{"check": "api-health", "up": false, "run": "run-17"}' > down.json

check_plugin() {
  local plugin=$1
  local out
  out=$("$PREFIX/bin/alertgate-plugin-check" "$plugin" down.json) ||
    fail "alertgate-plugin-check said no (exit $?) to $plugin: $out"
  grep -q '"source": "uptime"' <<<"$out" || fail "wrong source name: $out"
  grep -q '"dedup_key": "uptime:api-health"' <<<"$out" || fail "no alert: $out"
  grep -q '"action": "trigger"' <<<"$out" || fail "not a trigger: $out"
  grep -q '"severity": "critical"' <<<"$out" || fail "severity not by name: $out"
  grep -q '"delivery_id": "run-17"' <<<"$out" || fail "no delivery id from the body: $out"
  grep -q '"signature_scheme": "shared-token"' <<<"$out" || fail "scheme: $out"
  # Only the entry function is exported (else exit 4 above).
  python3 -c 'import json,sys; e=json.load(sys.stdin)["plugin"]["exports"]; sys.exit(e != ["alertgate_adapter_v1"])' <<<"$out" ||
    fail "exports more than the entry function: $out"
}

# Step 3a: CMake, with find_package(alertgate_sdk).
cmake -S uptime -B uptime/build -G Ninja -DCMAKE_PREFIX_PATH="$PREFIX" > cmake.log ||
  { cat cmake.log; fail "cmake configure"; }
cmake --build uptime/build > build.log || { cat build.log; fail "cmake build"; }
check_plugin uptime/build/libuptime.so
echo "cmake route: libuptime.so built out of tree and loaded"
passed=$((passed + 1))

# A body without the required field: a clear 400-style error, exit 3.
status=0
out=$(echo '{"up": true}' | "$PREFIX/bin/alertgate-plugin-check" uptime/build/libuptime.so -) || status=$?
[[ $status == 3 ]] || fail "bad payload: exit $status, expected 3: $out"
grep -q '"code": "bad_payload"' <<<"$out" || fail "not bad_payload: $out"
grep -q 'check: missing, empty or not a string' <<<"$out" || fail "helper error lost: $out"
status=0
"$PREFIX/bin/alertgate-plugin-check" > /dev/null 2>&1 || status=$?
[[ $status == 2 ]] || fail "usage: exit $status, expected 2"
passed=$((passed + 1))

# Step 3b: Bazel, with the SDK's installed Bazel repository, exactly as the
# guide says (no .bazelrc of our own: the macro carries -std=c++17).
if command -v bazel > /dev/null && [[ -z "${ALERTGATE_SKIP_BAZEL:-}" ]]; then
  [[ ! -e uptime/.bazelrc ]] || fail "the example must not need a .bazelrc"
  sed -i "s|/usr/local|$PREFIX|g" uptime/WORKSPACE
  (cd uptime && bazel --batch --output_user_root="$WORK/bazel-root" \
     build //:libuptime.so > "$WORK/bazel.log" 2>&1) ||
    { cat "$WORK/bazel.log"; fail "bazel build of the example plugin"; }
  check_plugin uptime/bazel-bin/libuptime.so
  echo "bazel route: libuptime.so built out of tree and loaded"
  passed=$((passed + 1))
fi
echo "out_of_tree_plugin: $passed passed, 0 failed"

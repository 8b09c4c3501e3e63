#!/usr/bin/env bash
# Builds the example plugin out of tree exactly as docs/adding-a-source.md
# says: install the SDK, build adapters/examples/uptime with CMake (and with
# Bazel when it is installed) against it, and load the result as alertgate
# does (alertgate-plugin-check).
#   usage: out_of_tree_plugin_test.sh <source dir> <cmake build dir>
set -euo pipefail
SOURCE_DIR=$(cd "$1" && pwd)
BUILD_DIR=$(cd "$2" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/alertgate-oot-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PREFIX="$WORK/prefix"

fail() { echo "FAIL: $*" >&2; exit 1; }

# Step 1 of the guide: install the SDK.
cmake --install "$BUILD_DIR" --prefix "$PREFIX" --component sdk > "$WORK/install.log"

# Step 2: a plugin project of its own, outside the alertgate tree.
cp -r "$SOURCE_DIR/adapters/examples/uptime" "$WORK/uptime"
cat > "$WORK/down.json" <<'JSON'
{"check": "api-health", "up": false, "detail": "HTTP 503", "url": "https://status.example.com/api-health"}
JSON

check_plugin() {
  local plugin=$1
  local out
  out=$("$PREFIX/bin/alertgate-plugin-check" "$plugin" "$WORK/down.json") ||
    fail "alertgate-plugin-check refused $plugin: $out"
  grep -q '"source": "uptime"' <<<"$out" || fail "wrong source name: $out"
  grep -q '"dedup_key": "uptime:api-health"' <<<"$out" || fail "no alert: $out"
  grep -q '"action": "trigger"' <<<"$out" || fail "not a trigger: $out"
}

# Step 3a: CMake, with find_package(alertgate_sdk).
cmake -S "$WORK/uptime" -B "$WORK/uptime/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$PREFIX" > "$WORK/cmake.log"
cmake --build "$WORK/uptime/build" > "$WORK/build.log"
check_plugin "$WORK/uptime/build/libuptime.so"
echo "cmake route: libuptime.so built out of tree and loaded"
passed=1

# Step 3b: Bazel, with the SDK's installed Bazel repository.
if command -v bazel > /dev/null && [[ -z "${ALERTGATE_SKIP_BAZEL:-}" ]]; then
  sed -i "s|/usr/local|$PREFIX|g" "$WORK/uptime/WORKSPACE"
  (cd "$WORK/uptime" && bazel --batch --output_user_root="$WORK/bazel-root" \
     build //:libuptime.so > "$WORK/bazel.log" 2>&1) ||
    { cat "$WORK/bazel.log"; fail "bazel build of the example plugin"; }
  check_plugin "$WORK/uptime/bazel-bin/libuptime.so"
  echo "bazel route: libuptime.so built out of tree and loaded"
  passed=2
fi
echo "out_of_tree_plugin: $passed passed, 0 failed"

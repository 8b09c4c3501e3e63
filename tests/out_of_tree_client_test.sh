#!/usr/bin/env bash
# A C++ tool built out of tree against the installed client package
# (find_package(alertgate_client)), run against a real server.
#   usage: out_of_tree_client_test.sh <source dir> <cmake build dir>
SOURCE_DIR=$(cd "$1" && pwd)
BUILD_DIR=$(cd "$2" && pwd)
source "$(dirname "$0")/client_harness.sh" "$BUILD_DIR/server/alertgate"
A=$BUILD_DIR/clients/alertctl

check "install the client package" 0 cmake --install "$BUILD_DIR" --prefix "$WORK/prefix" --component client
cp -r "$SOURCE_DIR/clients/cpp/examples" "$WORK/tool"
check "configure out of tree" 0 cmake -S "$WORK/tool" -B "$WORK/tool/build" -G Ninja -DCMAKE_PREFIX_PATH="$WORK/prefix"
check "build out of tree" 0 cmake --build "$WORK/tool/build"

start_core
check "an incident to list" 0 "$A" alert trigger --service=default --dedup_key=disk --summary="Disk full"
INCIDENT=$(awk '{print $2}' <<<"$OUT")
check "the tool lists it" 0 "$WORK/tool/build/list_open_incidents" "$ALERTGATE_ADDRESS"
expect "the tool lists it" "^$INCIDENT disk Disk full$"
check "the tool reports an unreachable server" 1 "$WORK/tool/build/list_open_incidents" 127.0.0.1:1
expect "unreachable" "UNAVAILABLE"
finish out_of_tree_client_test

#!/usr/bin/env bash
# Builds the adapter plugins and their tests with AddressSanitizer and
# UndefinedBehaviorSanitizer in ./build-asan, and runs the robustness (fuzz-
# style), fixture and loader tests, the front door's tests against a fake
# core, the store's fault tests, the rules and the outbound webhooks (their
# HTTP client against a real receiver). Part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=build-asan
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
fi
# The plugins and the loader (hostile payloads), the front door's handling
# of every request shape, and the store's fault paths.
TESTS=(adapter_robustness_test bitbucket_adapter_test alertmanager_adapter_test github_adapter_test
  gitlab_adapter_test grafana_adapter_test
  adapter_loader_test frontdoor_test store_fault_test rules_test outbound_webhook_test)
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${TESTS[@]}"

# Plugins are never unloaded by design; the loader's dlopen handles are not
# leaks, and neither is the test's process-lifetime registry.
export ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions="$PWD/scripts/lsan.supp"
for t in "${TESTS[@]}"; do
  "$BUILD_DIR/tests/$t" --gtest_brief=1
done
echo "asan: ${#TESTS[@]} sanitized test binaries passed"

#!/usr/bin/env bash
# The README's test command: installs what is missing, builds with CMake, runs
# every test with ctest, then builds and tests the same suite with Bazel.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --for-tests
scripts/check_format.sh
scripts/build.sh
# The store conformance tests run against SQLite and a real PostgreSQL
# server, made for this run and dropped after it.
(cd build && ../scripts/with_postgres.sh ctest --output-on-failure -j"$(nproc)" --timeout 600)
# The adapters under AddressSanitizer and UBSan (fuzz-style robustness).
scripts/asan.sh
# The benchmark harness in smoke mode (seconds, not figures): keeps it working.
bench/run.sh --smoke

# No Bazel server may outlive this script, whatever happens.
trap 'bazel shutdown >/dev/null 2>&1 || true' EXIT
bazel build //...
# The same throwaway PostgreSQL server arrangement for the Bazel suite.
scripts/with_postgres.sh bazel test //... --test_env=PGHOST --test_env=PGPORT \
  --test_env=PGUSER --test_env=PGPASSWORD --test_env=PGDATABASE \
  --test_env=ALERTGATE_REQUIRE_POSTGRES

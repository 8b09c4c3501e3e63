#!/usr/bin/env bash
# Installs the Debian packages alertgate needs, only those that are missing.
# Idempotent: with everything present it installs nothing and changes nothing.
#
#   scripts/setup.sh              to build and run alertgate
#   scripts/setup.sh --for-tests  also the browser tests' needs: Debian's
#                                 chromium, Node.js if the machine has none,
#                                 and playwright-core from npm (pinned in
#                                 tests/browser/package-lock.json)
set -euo pipefail
cd "$(dirname "$0")/.."
FOR_TESTS=false
if [[ "${1:-}" == "--for-tests" ]]; then FOR_TESTS=true; fi

# Keep in step with README.md, "Dependencies".
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev nlohmann-json3-dev libsimdjson-dev libre2-dev libcpp-httplib-dev libmicrohttpd-dev
  libsqlite3-dev libssl-dev libpq-dev libgoogle-perftools-dev postgresql-15 postgresql-common
  libgtest-dev libgmock-dev
  bazel-bootstrap
  python3 python3-grpcio python3-protobuf
  curl
  nginx-light
  clang-format
  openssl
)

if $FOR_TESTS; then
  PACKAGES+=(chromium)
  # Any Node.js of 18 or later will do; Debian's when the machine has none.
  if ! command -v node >/dev/null; then PACKAGES+=(nodejs npm); fi
fi

# playwright-core, as the lock file pins it, without any browser download.
install_browser_driver() {
  if $FOR_TESTS && [[ ! -d tests/browser/node_modules/playwright-core ]]; then
    echo "setup: installing playwright-core for the browser tests"
    (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
      npm ci --no-audit --no-fund --loglevel=error)
  fi
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  install_browser_driver
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_browser_driver

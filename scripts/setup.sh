#!/usr/bin/env bash
# Installs the Debian packages alertgate needs, only those that are missing.
# Idempotent: with everything present it installs nothing and changes nothing.
set -euo pipefail

# Keep in step with README.md, "Dependencies".
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev nlohmann-json3-dev libsimdjson-dev libcpp-httplib-dev libmicrohttpd-dev
  libsqlite3-dev libssl-dev libpq-dev postgresql-15 postgresql-common
  libgtest-dev libgmock-dev
  bazel-bootstrap
  python3 python3-grpcio python3-protobuf
  curl
  nginx-light
  clang-format
  openssl
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and starts
# alertgate with its embedded defaults (data under ./data). Extra arguments go
# to the alertgate binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
mkdir -p data
exec build/server/alertgate --data_dir=data "$@"

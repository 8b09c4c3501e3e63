#!/usr/bin/env bash
# Every C++ file of the tree is formatted by .clang-format (Google style).
# Fails with the files that are not; `scripts/check_format.sh --fix` formats
# them in place.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cc' '*.h' 2>/dev/null | grep -v '^tests/fixtures/' ||
  find server adapters clients tests bench \( -name '*.cc' -o -name '*.h' \) -not -path 'tests/fixtures/*')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
unformatted=()
for file in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
    unformatted+=("$file")
  fi
done
if [[ ${#unformatted[@]} -gt 0 ]]; then
  echo "check_format: not formatted (scripts/check_format.sh --fix):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "check_format: ${#files[@]} C++ files formatted"

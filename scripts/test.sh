#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, build the binary, type-check, run unit and e2e tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bun run build
bunx tsc --noEmit -p .
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
bun test 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(grep -Eo '^ *[0-9]+ pass$' "$log" | grep -Eo '[0-9]+' | tail -1)
failed=$(grep -Eo '^ *[0-9]+ fail$' "$log" | grep -Eo '[0-9]+' | tail -1)
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"

#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, build the binary, type-check, run unit and e2e tests.
# Test files run in MINIBOX_TEST_SHARDS (default 3) parallel `bun test` processes: every e2e file works in
# its own sandbox (store, state, cgroup parent, temp dirs), so files share no host state. Files are dealt
# to shards largest first, each to the lightest shard so far, so the shards end at about the same time
# (a file can declare its weight instead of its size, see below).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bun run build
bunx tsc --noEmit -p .

shards=${MINIBOX_TEST_SHARDS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -a load
for ((i = 0; i < shards; i++)); do load[i]=0; : >"$work/files.$i"; done
while read -r size file; do
  best=0
  for ((i = 1; i < shards; i++)); do ((load[i] < load[best])) && best=$i; done
  load[best]=$((load[best] + size))
  echo "./$file" >>"$work/files.$best"
done < <(find test -name '*.test.ts' -printf '%s %p\n' | while read -r size file; do
  # A file whose run time is not its size (a soak loop) says so: `// shard-weight: BYTES` near its top.
  w=$(grep -m1 -Eo '^// shard-weight: [0-9]+' "$file" | grep -Eo '[0-9]+$' || true)
  echo "${w:-$size} $file"
done | sort -rn)

pids=()
for ((i = 0; i < shards; i++)); do
  mapfile -t files <"$work/files.$i"
  ((${#files[@]})) || continue
  # --timeout: hooks (beforeAll building images) get it too, unlike bunfig's timeout; loaded CI machines need it.
  bun test --timeout 120000 "${files[@]}" >"$work/log.$i" 2>&1 &
  pids+=("$!:$i")
done
status=0
passed=0
failed=0
for entry in "${pids[@]}"; do
  pid=${entry%%:*} i=${entry##*:}
  wait "$pid" || status=1
  echo "=== shard $((i + 1))/$shards ==="
  cat "$work/log.$i"
  p=$(grep -Eo '^ *[0-9]+ pass$' "$work/log.$i" | grep -Eo '[0-9]+' | tail -1)
  f=$(grep -Eo '^ *[0-9]+ fail$' "$work/log.$i" | grep -Eo '[0-9]+' | tail -1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
echo "${passed} passed, ${failed} failed"
exit "$status"

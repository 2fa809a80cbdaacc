#!/usr/bin/env bash
# Fuzzes every parser for a while (longer than the `sanitize` tests do) and prints, per target, how many inputs
# ran and whether it found anything. Findings are written to build-sanitize/fuzz-findings/<target>/; each one
# becomes a file in tests/fuzz/regressions/<target>/ together with its fix (docs/reliability.md).
# Usage: scripts/fuzz.sh [seconds per target, default 60] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
bash scripts/sanitize.sh 1 >/dev/null  # builds build-sanitize (and proves it passes) before the long runs
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in tests/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-15/bin/llvm-symbolizer
status=0
printf '{\n  "seconds_per_target": %s,\n  "targets": {\n' "$seconds"
for i in "${!targets[@]}"; do
  t="${targets[$i]}"
  work="build-sanitize/fuzz-corpus/$t"
  findings="build-sanitize/fuzz-findings/$t"
  mkdir -p "$work" "$findings"
  inputs=("tests/fuzz/corpus/$t")
  [ -d "tests/fuzz/regressions/$t" ] && inputs+=("tests/fuzz/regressions/$t")
  log="build-sanitize/fuzz-findings/$t.log"
  rc=0
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  LSAN_OPTIONS="suppressions=tests/fuzz/lsan.supp:print_suppressions=0" \
    "build-sanitize/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=6144 \
    -print_final_stats=1 -artifact_prefix="$findings/" "$work" "${inputs[@]}" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(find "$work" "${inputs[@]}" -type f | wc -l)
  [ "$rc" -ne 0 ] && status=1
  sep=","; [ "$i" -eq $((${#targets[@]} - 1)) ] && sep=""
  printf '    "%s": {"executions": %s, "corpus_files": %s, "exit": %s, "log": "%s"}%s\n' \
    "$t" "${execs:-0}" "$corpus" "$rc" "$log" "$sep"
done
printf '  }\n}\n'
exit "$status"

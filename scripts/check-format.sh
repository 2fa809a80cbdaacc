#!/usr/bin/env bash
# Checks that every C++ line changed since the format baseline (.ci/format-base, or the commit given as $1) is
# formatted as .clang-format says. Lines nobody has touched since then keep their old layout, so that a
# formatting-only rewrite of the whole tree is never needed. Prints the diff that would fix it and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:-$(tr -d '[:space:]' < .ci/format-base)}"
if ! git rev-parse --verify --quiet "${base}^{commit}" >/dev/null; then
  echo "check-format: baseline commit ${base} is not in this clone (a shallow clone?); fetch more history" >&2
  exit 2
fi
# Compares the committed tree with the baseline, so that untracked or unstaged files play no part.
diff_out="$(git clang-format --binary clang-format-14 --extensions cpp,h,inl --diff "$base" HEAD || true)"
if [ -n "$diff_out" ] && ! grep -qE '^(no modified files to format|clang-format did not modify any files)$' <<<"$diff_out"; then
  echo "check-format: lines changed since ${base:0:12} are not clang-formatted; apply this diff (or run" >&2
  echo "  git clang-format --binary clang-format-14 ${base:0:12}):" >&2
  printf '%s\n' "$diff_out"
  exit 1
fi
echo "check-format: lines changed since ${base:0:12} are clang-formatted"

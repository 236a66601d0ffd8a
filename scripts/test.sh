#!/usr/bin/env bash
# Runs the test suite with bun and adds the plain `N passed, N failed` closing line that CI
# tooling reads (bun prints its own format). Keeps bun's exit code. Extra args go to bun test.
set -o pipefail
cd "$(dirname "$0")/.."
BUN="${BUN:-$(command -v bun || echo node_modules/.bin/bun)}"
log=$(mktemp)
"$BUN" test --timeout=60000 "$@" 2>&1 | tee "$log"; rc=$?
p=$(grep -E '^ ?[0-9]+ pass$' "$log" | tail -1 | tr -dc 0-9)
f=$(grep -E '^ ?[0-9]+ fail$' "$log" | tail -1 | tr -dc 0-9)
s=$(grep -E '^ ?[0-9]+ skip$' "$log" | tail -1 | tr -dc 0-9)
rm -f "$log"
echo "${p:-0} passed, ${f:-0} failed, ${s:-0} skipped"
exit $rc

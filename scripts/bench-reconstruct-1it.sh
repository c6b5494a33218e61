#!/usr/bin/env bash
# Whole-process 1-iteration runs on the shared PtyPy case, ours (`ptyxanes reconstruct`, compiled
# dist/, --backend auto and cpu) beside PtyPy's whole 1-iteration EPIE run, alternating A B C
# A B C in one command; /usr/bin/time gives wall, user+system CPU and peak RSS of each process.
# Needs the case (scripts/bench-ptycho.ts with PTYPY_PATH writes /tmp/ptyxanes-peer/case.cxi).
#   PTYPY_PATH=/work/peer-ptypy bash scripts/bench-reconstruct-1it.sh [CASE.cxi] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
case_cxi=${1:-/tmp/ptyxanes-peer/case.cxi}
rounds=${2:-3}
peers=${PEERS_DIR:-../shared/peers}
: "${PTYPY_PATH:?set PTYPY_PATH to the folder holding ptypy/}"
[ -f dist/.built ] || node scripts/build.mjs --no-types >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fmt='%e s wall, %U+%S s CPU, %M KB peak'
for round in $(seq 1 "$rounds"); do
  echo "round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  for backend in auto cpu; do
    t=$( { /usr/bin/time -f "$fmt" node bin/ptyxanes.mjs reconstruct --input "$case_cxi" --out "$out/r-$backend" --force \
      --iterations 1 --translation-is probe --backend "$backend" --quiet >/dev/null; } 2>&1 | tail -1)
    echo "  ptyxanes reconstruct --backend $backend: $t"
  done
  t=$( { PYTHONPATH="$PTYPY_PATH" /usr/bin/time -f "$fmt" /usr/bin/python3 "$peers/ptypy_case.py" peer "$out/ptypy.npz" 1 >/dev/null; } 2>&1 | tail -1)
  echo "  PtyPy EPIE, 1 iteration:          $t"
done

#!/usr/bin/env bash
# Registration, ours beside scikit-image on the very same 256² pairs (upsample 100, phase
# normalisation, Tukey 0.5 taper on both), alternating A B A B A B in one command because
# the machine may be shared; prints the load before each run. Needs Debian's python3-skimage.
#   bash scripts/bench-register-vs-skimage.sh [PAIRS]      (default 32)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-32}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
npx tsx scripts/bench-register.ts --skip-gpu --cpu-pairs "$pairs" --dump "$dir" --json >/dev/null
for round in 1 2 3; do
  echo "round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  npx tsx scripts/bench-register.ts --skip-gpu --cpu-pairs "$pairs" --threads 1 --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const r=JSON.parse(s).cpu;console.log('  ptyxanes CPU, 1 thread : '+r.msPerPair+' ms/pair (fastest '+r.fastestMsPerPair+'), process CPU '+r.processCpuMsPerPair+' ms/pair, max error '+r.maxShiftErrorPx+' px')})"
  npx tsx scripts/bench-register.ts --skip-gpu --cpu-pairs "$pairs" --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const r=JSON.parse(s).cpu;console.log('  ptyxanes CPU, all cores: '+r.msPerPair+' ms/pair (fastest '+r.fastestMsPerPair+'), process CPU '+r.processCpuMsPerPair+' ms/pair, max error '+r.maxShiftErrorPx+' px')})"
  /usr/bin/python3 scripts/peer-register-skimage.py "$dir"
done

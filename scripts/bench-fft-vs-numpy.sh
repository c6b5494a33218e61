#!/usr/bin/env bash
# The CPU FFT, one thread (WebAssembly SIMD and the JavaScript fallback), beside numpy's fft2,
# alternating A B A B A B in one command, both pinned to one core (taskset), load printed.
#   bash scripts/bench-fft-vs-numpy.sh [SIZES=128,256] [CORE=1]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-128,256}
core=${2:-1}
for round in 1 2 3; do
  echo "round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  taskset -c "$core" npx tsx scripts/bench-fft.ts --skip-gpu --sizes "$sizes" --seconds 1 --json | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{for(const r of JSON.parse(s).results)console.log('  ptyxanes '+r.size+': SIMD '+r.cpu1FramesPerSec+' frames/s, JS '+r.cpu1JsFramesPerSec+' frames/s ('+r.cpu1OverJs+'x)')})"
  taskset -c "$core" /usr/bin/python3 scripts/peer-fft-numpy.py "$sizes" 64 1
done

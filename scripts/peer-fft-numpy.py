#!/usr/bin/env python3
"""Peer for scripts/bench-fft.ts: numpy's fft2 (pocketfft) on a batch of complex64 frames,
frames/s per size (best of repeated runs, ~SECONDS each), one line per size.
    /usr/bin/python3 scripts/peer-fft-numpy.py [SIZES=128,256,512] [BATCH=64] [SECONDS=1.5]"""
import sys
import time

import numpy as np

sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "128,256,512").split(",")]
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 64
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 1.5
rng = np.random.default_rng(1)
for n in sizes:
    x = (rng.random((batch, n, n)) - 0.5 + 1j * (rng.random((batch, n, n)) - 0.5)).astype(np.complex64)
    np.fft.fft2(x)
    best = float("inf")
    t_end = time.perf_counter() + seconds
    runs = 0
    while runs < 3 or time.perf_counter() < t_end:
        t0 = time.perf_counter()
        np.fft.fft2(x)
        best = min(best, time.perf_counter() - t0)
        runs += 1
    print(f"  numpy {np.__version__} fft2 {n}x{n} complex64 x{batch}: {batch / best:.1f} frames/s (best of {runs})")

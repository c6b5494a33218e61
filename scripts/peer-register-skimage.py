#!/usr/bin/env python3
"""Peer for scripts/bench-register.ts: scikit-image's phase_cross_correlation on the very pairs
the TypeScript bench registered (written by `bench-register.ts --dump DIR`), timed the same
way (warm-up, then the median of 3 runs over all pairs), with its max error against the
applied shifts. Debian's python3-skimage (0.19) on the system python:

    /usr/bin/python3 scripts/peer-register-skimage.py DIR [--json]
"""
import json
import os
import sys
import time

import numpy as np
from skimage import __version__ as skimage_version
from scipy.signal.windows import tukey
from skimage.registration import phase_cross_correlation


def main() -> None:
    d = sys.argv[1]
    meta = json.load(open(os.path.join(d, "pairs.json")))
    n, h, w = meta["n"], meta["h"], meta["w"]
    ref = np.fromfile(os.path.join(d, "reference.f32"), dtype=np.float32).reshape(h, w).astype(np.float64)
    mov = np.fromfile(os.path.join(d, "moving.f32"), dtype=np.float32).reshape(n, h, w).astype(np.float64)
    applied = np.array(meta["applied"]).reshape(n, 2)
    u = meta["upsampleFactor"]
    # 'phase' is 0.19's default normalisation, as ours. Our default Tukey (alpha 0.5) taper is
    # applied here too, inside the timing: unwindowed, phase correlation of these crops (not
    # periodic) locks onto the frame edges and misses by up to 10 px.
    win = np.outer(tukey(h, 0.5), tukey(w, 0.5))

    def one(i: int) -> np.ndarray:
        return phase_cross_correlation((ref - ref.mean()) * win, (mov[i] - mov[i].mean()) * win, upsample_factor=u)[0]

    one(0)
    runs = []
    for _ in range(3):
        c0 = time.process_time()
        t0 = time.perf_counter()
        shifts = np.array([one(i) for i in range(n)])
        runs.append((time.perf_counter() - t0, time.process_time() - c0, shifts))
    runs.sort(key=lambda r: r[0])
    wall, cpu, shifts = runs[1]
    out = {
        "peer": f"scikit-image {skimage_version} phase_cross_correlation (numpy {np.__version__})",
        "pairs": n,
        "msPerPair": round(1000 * wall / n, 2),
        "fastestMsPerPair": round(1000 * runs[0][0] / n, 2),
        "processCpuMsPerPair": round(1000 * cpu / n, 2),
        "maxShiftErrorPx": round(float(np.max(np.abs(shifts + applied))), 4),
        "loadAverage1m": round(os.getloadavg()[0], 2),
    }
    if "--json" in sys.argv:
        print(json.dumps(out))
    else:
        print(f"  {out['peer']}: {n} pairs, {out['msPerPair']} ms/pair (median of 3; fastest {out['fastestMsPerPair']}), "
              f"process CPU {out['processCpuMsPerPair']} ms/pair, max error {out['maxShiftErrorPx']} px, load {out['loadAverage1m']}")


if __name__ == "__main__":
    main()

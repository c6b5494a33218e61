#!/usr/bin/python3
"""scikit-image's SART (iradon_sart) beside ptyxanes' SIRT, for scripts/bench-tomo.ts.

  peer-skimage-tomo.py sart-pass N NANGLES SLICES      time one SART pass over SLICES slices of
                                                        an N² Shepp-Logan slice (radon, circle),
                                                        seconds per slice and per N slices
  peer-skimage-tomo.py sart2 VOLUME.f32 NZ N NANGLES   SART x2 on each slice of a volume's own
                                                        radon projections (pre-aligned), RMSE
                                                        against the volume inside the circle
Prints one JSON line.
"""
import json
import sys
import time

import numpy as np
from skimage.data import shepp_logan_phantom
from skimage.transform import iradon_sart, radon, resize


def theta(n):
    return np.arange(n) * 180.0 / n


def sart_pass(n, n_angles, slices):
    img = resize(shepp_logan_phantom(), (n, n), anti_aliasing=True).astype(np.float64)
    th = theta(n_angles)
    sino = radon(img, th, circle=True)
    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in range(slices):
        iradon_sart(sino, th)
    dt = (time.perf_counter() - t0) / slices
    dc = (time.process_time() - c0) / slices
    return {"secondsPerSlice": dt, "secondsPerVolume": dt * n, "cpuSecondsPerVolume": dc * n, "slicesTimed": slices}


def sart2(path, nz, n, n_angles):
    vol = np.fromfile(path, dtype=np.float32).reshape(nz, n, n).astype(np.float64)
    th = theta(n_angles)
    sinos = [radon(vol[z], th, circle=True) for z in range(nz)]
    t0 = time.perf_counter()
    rec = np.empty_like(vol)
    for z in range(nz):
        r = iradon_sart(sinos[z], th)
        rec[z] = iradon_sart(sinos[z], th, image=r)
    dt = time.perf_counter() - t0
    yy, xx = np.mgrid[0:n, 0:n] - (n - 1) / 2
    inside = (xx**2 + yy**2) < (0.45 * n) ** 2
    err = np.sqrt(np.mean(((rec - vol)[:, inside]) ** 2))
    return {"seconds": dt, "rmse": float(err)}


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "sart-pass":
        out = sart_pass(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif what == "sart2":
        out = sart2(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        raise SystemExit(__doc__)
    import skimage

    out["skimage"] = skimage.__version__
    print(json.dumps(out))

import { describe, expect, it } from 'vitest';
import { MemoryFrameSource } from '../src/core/frames.ts';
import { CpuFft2d, scrambledWork } from '../src/fft/index.ts';
import { AmplitudeStore, MASKED } from '../src/ptycho/amplitude-store.ts';
import { fourierShift, fourierShiftScrambled } from '../src/ptycho/cpu-sequential.ts';
import { gramMatrix, hermitianEigen, orthogonalizeModes } from '../src/ptycho/modes.ts';
import { iterationPlan, Rng } from '../src/ptycho/order.ts';
import { attenuation, removePhaseRamp } from '../src/ptycho/postprocess.ts';
import { resampleObject, resampleProbe } from '../src/ptycho/resample.ts';
import { buildTileLists, TILE } from '../src/ptycho/tiles.ts';
import { gatherObjectRows } from '../src/ptycho/kernels.cpu.ts';

const randomComplex = (len: number, rng: Rng) => Float32Array.from({ length: 2 * len }, () => rng.next() - 0.5);

describe('ePIE parts', () => {
  it('plans iterations reproducibly: every frame once, fresh order per iteration, batches within chunks', () => {
    const count = 200;
    const ix = Int32Array.from({ length: count }, (_, j) => (j % 20) * 5);
    const iy = Int32Array.from({ length: count }, (_, j) => Math.floor(j / 20) * 5);
    const spec = { chunkStarts: [0, 120, 200], ix, iy, batchSize: 7 };
    const a = iterationPlan({ ...spec, mode: 'parallel' }, new Rng(9));
    const b = iterationPlan({ ...spec, mode: 'parallel' }, new Rng(9));
    expect(a).toEqual(b);
    const seen = new Set<number>();
    for (const v of a.visits) {
      for (const f of v.frames) {
        seen.add(f);
        expect(f >= spec.chunkStarts[v.chunk] && f < spec.chunkStarts[v.chunk + 1]).toBe(true);
      }
      expect(v.batches.reduce((s, [, c]) => s + c, 0)).toBe(v.frames.length);
      expect(v.batches.every(([, c]) => c <= 7)).toBe(true);
    }
    expect(seen.size).toBe(count);
    const rng = new Rng(1);
    const s1 = iterationPlan({ ...spec, mode: 'sequential' }, rng);
    const s2 = iterationPlan({ ...spec, mode: 'sequential' }, rng);
    expect(Array.from(s1.visits[0].frames)).not.toEqual(Array.from(s2.visits[0].frames));
    expect(s1.visits.every((v) => v.batches.every(([, c]) => c === 1))).toBe(true);
  });

  it('lists for every object tile exactly the batch positions whose windows touch it, and gathers the same step', () => {
    const h = 20;
    const w = 20;
    const objH = 70;
    const objW = 90;
    const rng = new Rng(8);
    const frames = Int32Array.from({ length: 12 }, (_, i) => i);
    const ix = Int32Array.from({ length: 12 }, () => Math.floor(rng.next() * (objW - w)));
    const iy = Int32Array.from({ length: 12 }, () => Math.floor(rng.next() * (objH - h)));
    const t = buildTileLists(frames, [[0, 5], [5, 7]], ix, iy, h, w, objH, objW);
    const tilesX = Math.ceil(objW / TILE);
    for (const [b, [start, count]] of [[0, [0, 5]], [1, [5, 7]]] as const) {
      const [first, n] = t.batchTiles[b];
      for (let k = 0; k < n; k++) {
        const [tile, at, cnt] = t.info.subarray(4 * (first + k), 4 * (first + k) + 3);
        const tx = tile % tilesX;
        const ty = Math.floor(tile / tilesX);
        const listed = Array.from(t.slots.subarray(at, at + cnt)).sort();
        const expected = [];
        for (let s = 0; s < count; s++) {
          const j = frames[start + s];
          const overlaps = ix[j] < (tx + 1) * TILE && ix[j] + w > tx * TILE && iy[j] < (ty + 1) * TILE && iy[j] + h > ty * TILE;
          if (overlaps) expected.push(s);
        }
        expect(listed).toEqual(expected);
      }
    }
    // The row gather equals a direct per-position sum with the same normalisation.
    const B = 5;
    const num = randomComplex(B * h * w, rng);
    const pw = Float32Array.from({ length: B * h * w }, () => 0.5 + rng.next());
    const windows = Array.from({ length: B }, (_, slot) => ({ slot, ix: ix[slot], iy: iy[slot], maxP: 1 + slot }));
    const obj = new Float32Array(2 * objH * objW);
    gatherObjectRows(obj, objW, 0, objH, windows, h, w, num, pw, 0.7, 0.3, new Float64Array(2 * objW), new Float64Array(objW), new Float64Array(objW));
    const r = iy[2] + 3;
    const c = ix[2] + 4;
    let nr = 0;
    let dd = 0;
    let mx = 0;
    for (const win of windows) {
      const u = r - win.iy;
      const v = c - win.ix;
      if (u < 0 || v < 0 || u >= h || v >= w) continue;
      nr += num[2 * (win.slot * h * w + u * w + v)];
      dd += pw[win.slot * h * w + u * w + v];
      mx = Math.max(mx, win.maxP);
    }
    expect(obj[2 * (r * objW + c)]).toBeCloseTo((0.7 * nr) / (0.7 * dd + 0.3 * mx), 5);
  });

  it('shifts probes exactly: whole pixels roll, +δ then −δ is the identity', () => {
    const n = 16;
    const rng = new Rng(3);
    const a = randomComplex(n * n, rng);
    const fft = new CpuFft2d(n, n);
    const rx = new Float64Array(2 * n);
    const ry = new Float64Array(2 * n);
    const rolled = Float32Array.from(a);
    fourierShift(fft, rolled, 1, n, n, 2, -1, rx, ry);
    // P(u − δ): value at (r, c) comes from (r + 1, c − 2).
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        const src = 2 * (((r + 1) % n) * n + ((c - 2 + n) % n));
        expect(rolled[2 * (r * n + c)]).toBeCloseTo(a[src], 5);
      }
    }
    const b = Float32Array.from(a);
    fourierShift(fft, b, 1, n, n, 0.37, -0.21, rx, ry);
    fourierShift(fft, b, 1, n, n, -0.37, 0.21, rx, ry);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 5);
    // The hot path's shift (no permutation, ramp in bit-reversed order) is the same shift.
    const c = Float32Array.from(a);
    fourierShift(fft, c, 1, n, n, 0.37, -0.21, rx, ry);
    for (const engine of ['wasm', 'js'] as const) {
      const d = Float32Array.from(a);
      fourierShiftScrambled(scrambledWork(n, n, 1, engine), d, 1, n, n, 0.37, -0.21, rx, ry);
      for (let i = 0; i < a.length; i++) expect(d[i]).toBeCloseTo(c[i], 6);
    }
  });

  it('diagonalises Hermitian matrices and orthogonalises modes without changing Σ|P_k|²', () => {
    const rng = new Rng(4);
    const K = 4;
    const frame = 50;
    const modes = randomComplex(K * frame, rng);
    const density = new Float64Array(frame);
    for (let k = 0; k < K; k++) for (let i = 0; i < frame; i++) density[i] += modes[2 * (k * frame + i)] ** 2 + modes[2 * (k * frame + i) + 1] ** 2;
    const A = gramMatrix(modes, K, frame);
    const { values, vectors } = hermitianEigen(A, K);
    for (let k = 1; k < K; k++) expect(values[k]).toBeLessThanOrEqual(values[k - 1]);
    // A·v_k = λ_k·v_k
    for (let k = 0; k < K; k++) {
      for (let r = 0; r < K; r++) {
        let re = 0;
        let im = 0;
        for (let j = 0; j < K; j++) {
          const [ar, ai] = [A[2 * (r * K + j)], A[2 * (r * K + j) + 1]];
          const [vr, vi] = [vectors[2 * (j * K + k)], vectors[2 * (j * K + k) + 1]];
          re += ar * vr - ai * vi;
          im += ar * vi + ai * vr;
        }
        expect(re).toBeCloseTo(values[k] * vectors[2 * (r * K + k)], 8);
        expect(im).toBeCloseTo(values[k] * vectors[2 * (r * K + k) + 1], 8);
      }
    }
    const powers = orthogonalizeModes(modes, K, frame);
    const G = gramMatrix(modes, K, frame);
    for (let a = 0; a < K; a++) {
      expect(G[2 * (a * K + a)]).toBeCloseTo(powers[a], 4);
      for (let b = a + 1; b < K; b++) expect(Math.hypot(G[2 * (a * K + b)], G[2 * (a * K + b) + 1])).toBeLessThan(1e-5);
    }
    for (let i = 0; i < frame; i++) {
      let d = 0;
      for (let k = 0; k < K; k++) d += modes[2 * (k * frame + i)] ** 2 + modes[2 * (k * frame + i) + 1] ** 2;
      expect(d).toBeCloseTo(density[i], 5);
    }
  });

  it('removes a phase ramp and offset from the object and balances them on the probe', () => {
    const H = 20;
    const W = 30;
    const obj = new Float32Array(2 * H * W);
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        const ph = 0.7 + 0.05 * c - 0.03 * r + 0.2 * Math.sin(r * c);
        obj[2 * (r * W + c)] = 0.8 * Math.cos(ph);
        obj[2 * (r * W + c) + 1] = 0.8 * Math.sin(ph);
      }
    }
    const h = 8;
    const probe = randomComplex(h * h, new Rng(6));
    const before = { o: obj[2 * (5 * W + 9)], p: probe[2 * (2 * h + 3)] };
    // product P(u)·O(ix + u) for ix = (7, 3), u = (2, 3) before correction
    const prod = (o: Float32Array, p: Float32Array) => {
      const oi = 2 * ((3 + 2) * W + 7 + 3);
      const pi = 2 * (2 * h + 3);
      return [p[pi] * o[oi] - p[pi + 1] * o[oi + 1], p[pi] * o[oi + 1] + p[pi + 1] * o[oi]];
    };
    const prodBefore = prod(obj, probe);
    const ramp = removePhaseRamp(obj, H, W, new Uint8Array(H * W).fill(1), probe, 1, h, h);
    expect(ramp.gx).toBeCloseTo(0.05, 1);
    expect(ramp.gy).toBeCloseTo(-0.03, 1);
    let sr = 0;
    let si = 0;
    for (let i = 0; i < H * W; i++) {
      sr += obj[2 * i];
      si += obj[2 * i + 1];
    }
    expect(Math.atan2(si, sr)).toBeCloseTo(0, 5);
    expect(Math.hypot(obj[2 * (5 * W + 9)], obj[2 * (5 * W + 9) + 1])).toBeCloseTo(0.8, 5);
    // The exit wave changes only by a constant phase per position.
    const prodAfter = prod(obj, probe);
    expect(Math.hypot(...prodAfter)).toBeCloseTo(Math.hypot(...prodBefore), 5);
    expect(before.o).not.toBe(obj[2 * (5 * W + 9)]);
    expect(attenuation({ data: obj, shape: [H, W] }).data[0]).toBeCloseTo(-Math.log(0.8), 5);
  });

  it('resamples objects and probes by physical position', () => {
    const rng = new Rng(7);
    const src = randomComplex(12 * 15, rng);
    const same = resampleObject(src, 12, 15, [1e-6, 2e-6], 1e-8, 12, 15, [1e-6, 2e-6], 1e-8);
    for (let i = 0; i < src.length; i++) expect(same[i]).toBeCloseTo(src[i], 6);
    // Half-pixel offset: mean of neighbours; outside the source: free space (1, 0).
    const shifted = resampleObject(src, 12, 15, [0, 0], 1, 1, 2, [0.5, 0], 1);
    expect(shifted[0]).toBeCloseTo((src[0] + src[2]) / 2, 6);
    const outside = resampleObject(src, 12, 15, [0, 0], 1, 1, 1, [-5, 0], 1);
    expect([outside[0], outside[1]]).toEqual([1, 0]);
    const n = 16;
    const p = randomComplex(2 * n * n, rng);
    const q = resampleProbe(p, 2, n, 1e-8, 1e-8);
    for (let i = 0; i < p.length; i++) expect(q[i]).toBeCloseTo(p[i], 6);
  });

  it('stores amplitudes ifftshifted with masked pixels flagged', async () => {
    const n = 16;
    const frames = new Float32Array(2 * n * n).fill(4);
    frames[(n / 2) * n + n / 2] = 100; // zero frequency of frame 0 at the centre
    frames[n * n + 1] = 9;
    const mask = new Uint8Array(n * n).fill(1);
    mask[(n / 2) * n + n / 2 + 1] = 0;
    const g = { energyEv: 8000, detectorDistanceM: 1, detectorPixelM: [1e-4, 1e-4] as [number, number], positionsM: new Float64Array(4) };
    const store = await AmplitudeStore.load(new MemoryFrameSource(frames, n, n, g, mask), { blockFrames: 1, chunkFrames: 1, hostBudgetBytes: 1e9, shared: false });
    const c0 = await store.chunk(0);
    expect(c0[0]).toBe(10);
    expect(c0[1]).toBe(MASKED);
    expect(store.chunkCount).toBe(2);
    const c1 = await store.chunk(1);
    expect(c1[(n / 2) * n + n / 2 + 1]).toBe(3);
    expect(store.meanIntensity[(n / 2) * n + n / 2]).toBe(52);
    expect(store.validPixels).toBe(n * n - 1);
  });
});

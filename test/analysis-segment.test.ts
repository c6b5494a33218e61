import { describe, expect, it } from 'vitest';
import { distanceTransform } from '../src/analysis/distance.ts';
import { segmentCrystals } from '../src/analysis/segment.ts';
import { crystalTable, crystalTableCsv } from '../src/analysis/crystals.ts';
import { ballPhantom, overlaps, rng } from '../src/analysis/phantom.ts';
import { presetConfig } from '../src/sim/config.ts';
import { planExperiment } from '../src/sim/experiment.ts';
import { truthVolume } from '../src/sim/truth.ts';

function bruteEdt(mask: Uint8Array, shape: number[], sp: number[]): Float64Array {
  const n = mask.length;
  const coords = (i: number) => {
    const c: number[] = [];
    for (let a = shape.length - 1; a >= 0; a--) { c.unshift(i % shape[a]); i = Math.floor(i / shape[a]); }
    return c;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const ci = coords(i);
    let best = Infinity;
    for (let j = 0; j < n; j++) if (!mask[j]) {
      const cj = coords(j);
      best = Math.min(best, Math.hypot(...ci.map((v, a) => (v - cj[a]) * sp[a])));
    }
    out[i] = best;
  }
  return out;
}

describe('exact Euclidean distance transform', () => {
  it('matches brute force in 2D and 3D, anisotropic voxels included', () => {
    const r = rng(3);
    for (const [shape, sp] of [[[13, 17], [1, 1]], [[6, 7, 9], [2, 1, 1.5]]] as [number[], number[]][]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const mask = Uint8Array.from({ length: n }, () => (r() < 0.85 ? 1 : 0));
      const fast = distanceTransform(mask, shape, sp);
      const slow = bruteEdt(mask, shape, sp);
      let maxErr = 0;
      for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(fast[i] - slow[i]));
      expect(maxErr).toBeLessThan(1e-9);
    }
  });
  it('is infinite when there is no background', () => {
    expect(distanceTransform(new Uint8Array(4).fill(1), [2, 2])[0]).toBe(Infinity);
  });
});

describe('crystal segmentation', () => {
  const sep = [{ c: [15, 15], r: 9 }, { c: [15, 48], r: 11 }, { c: [45, 20], r: 7 }, { c: [48, 50], r: 12 }];
  it('finds separated crystals exactly, with sizes, centroids and state statistics', () => {
    const ph = ballPhantom([64, 72], sep, (_d, k) => [2.3, 2.5, 2.7, 3.4][k], 0.05, 2);
    const seg = segmentCrystals(ph.state, ph.shape, 50e-9, { edgeStep: ph.edgeStep });
    expect(seg.count).toBe(4);
    for (const o of overlaps(ph.truth, seg.labels, 4)) {
      expect(o.recall).toBeGreaterThan(0.9);
      expect(o.precision).toBeGreaterThan(0.9);
    }
    const rows = crystalTable(seg, ph.state, ph.std, 3);
    const byTruth = overlaps(ph.truth, seg.labels, 4);
    byTruth.forEach((o, k) => {
      const row = rows[o.label - 1];
      const areaUm2 = Math.PI * sep[k].r ** 2 * 0.05 ** 2;
      expect(Math.abs(row.size - areaUm2) / areaUm2).toBeLessThan(0.1);
      expect(Math.hypot(row.centroidPx[0] - sep[k].c[0], row.centroidPx[1] - sep[k].c[1])).toBeLessThan(0.5);
      expect(row.mean).toBeCloseTo([2.3, 2.5, 2.7, 3.4][k], 1);
      expect(row.fractionAbove).toBe(k === 3 ? 1 : 0);
      expect(row.sizeUnit).toBe('um2');
    });
    const csv = crystalTableCsv(rows, 2).trim().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv[0]).toContain('size_um2');
  });

  it('splits touching crystals by the distance watershed', () => {
    const balls = [{ c: [20, 16], r: 11 }, { c: [20, 36], r: 11 }, { c: [44, 24], r: 9 }, { c: [44, 39], r: 8 }];
    const ph = ballPhantom([60, 56], balls, () => 2.5, 0.05, 4);
    const seg = segmentCrystals(ph.state, ph.shape, 40e-9, { edgeStep: ph.edgeStep });
    expect(seg.count).toBe(4);
    const o = overlaps(ph.truth, seg.labels, 4);
    expect(new Set(o.map((x) => x.label)).size).toBe(4);
    for (const x of o) expect(Math.min(x.recall, x.precision)).toBeGreaterThan(0.9);
    // Without the split the touching pairs stay one region each.
    expect(segmentCrystals(ph.state, ph.shape, 40e-9, { edgeStep: ph.edgeStep, split: false }).count).toBe(2);
  });

  it('keeps the thin rims of projected crystals (cores split at Otsu, rims grown to the XANES mask)', () => {
    // Projected balls: thickness √(r² − ρ²) falls to 0 at the rim, below Otsu's cut.
    const balls = [{ c: [20, 18], r: 12 }, { c: [20, 40], r: 12 }, { c: [46, 30], r: 10 }];
    const ph = ballPhantom([64, 60], balls, () => 2.5, 0.05, 6);
    const edge = new Float32Array(ph.truth.length);
    for (let i = 0; i < edge.length; i++) {
      const k = ph.truth[i];
      if (!k) continue;
      const b = balls[k - 1], y = Math.floor(i / 60), x = i % 60;
      edge[i] = Math.sqrt(Math.max(0, b.r ** 2 - (y - b.c[0]) ** 2 - (x - b.c[1]) ** 2)) / b.r;
    }
    const grown = segmentCrystals(ph.state, ph.shape, 40e-9, { edgeStep: edge });
    const cores = segmentCrystals(ph.state, ph.shape, 40e-9, { edgeStep: edge, rimThreshold: Infinity });
    expect(grown.count).toBe(3);
    expect(grown.rimThreshold).toBeLessThan(grown.maskThreshold!);
    const og = overlaps(ph.truth, grown.labels, 3), oc = overlaps(ph.truth, cores.labels, 3);
    for (const x of og) expect(Math.min(x.recall, x.precision)).toBeGreaterThan(0.9);
    // Otsu's cut alone loses part of every rim.
    for (let k = 0; k < 3; k++) expect(oc[k].recall).toBeLessThan(og[k].recall - 0.05);
  });

  it('segments a volume [z,y,x] with sizes in µm³', () => {
    const balls = [{ c: [12, 12, 12], r: 7 }, { c: [12, 12, 25], r: 7 }, { c: [13, 27, 14], r: 6 }];
    const ph = ballPhantom([26, 36, 34], balls, () => 2.6, 0.05, 5);
    const seg = segmentCrystals(ph.state, ph.shape, 100e-9, { edgeStep: ph.edgeStep });
    expect(seg.count).toBe(3);
    for (const x of overlaps(ph.truth, seg.labels, 3)) expect(Math.min(x.recall, x.precision)).toBeGreaterThan(0.9);
    const rows = crystalTable(seg, ph.state, ph.std);
    expect(rows[0].sizeUnit).toBe('um3');
    const v = (4 / 3) * Math.PI * 7 ** 3 * 0.1 ** 3;
    const big = rows.find((r) => Math.abs(r.size - v) / v < 0.1);
    expect(big).toBeDefined();
  });

  it("finds the simulator's 14 faceted crystals in the 3d-paper truth volume (100 nm voxels)", () => {
    const cfg = presetConfig('3d-paper');
    cfg.output = { ...(cfg.output ?? {}), truthVoxelM: 100e-9 };
    const v = truthVolume(planExperiment(cfg));
    const shape = [v.grid.nz, v.grid.ny, v.grid.nx];
    const truth = Int32Array.from(v.labels);
    const n = truth.reduce((a, b) => Math.max(a, b), 0);
    expect(n).toBe(14);
    // Occupancy (fraction of the voxel in a crystal) stands in for the edge step.
    const seg = segmentCrystals(v.state, shape, 100e-9, { edgeStep: v.occupancy, maskThreshold: 0.1 });
    expect(seg.count).toBe(14);
    const o = overlaps(truth, seg.labels, n);
    expect(new Set(o.map((x) => x.label)).size).toBe(14);
    for (const x of o) expect(Math.min(x.recall, x.precision)).toBeGreaterThan(0.9);
  });

  it('says clearly what is wrong with bad input', () => {
    const shape = [20, 20];
    const nan = new Float32Array(400).fill(NaN);
    expect(() => segmentCrystals(nan, shape, 40e-9)).toThrow(/no finite values/);
    const flat = new Float32Array(400).fill(2.5);
    expect(() => segmentCrystals(flat, shape, 40e-9, { edgeStep: new Float32Array(400) })).toThrow(/material mask is empty/);
    const specks = new Float32Array(400).fill(NaN);
    for (const i of [21, 45, 207, 333]) specks[i] = 2.5;
    expect(() => segmentCrystals(specks, shape, 40e-9)).toThrow(/no crystal of at least 9 pixels.*4 regions, the largest 1 voxel\)/);
    expect(() => segmentCrystals(flat, [20, 21], 40e-9)).toThrow(/does not match the shape/);
  });
});

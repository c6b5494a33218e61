import { describe, expect, it } from 'vitest';
import {
  AreaResampler,
  integrateOptics,
  makePhantom,
  meanStateMap,
  nodeRangeFor,
  opticalTable,
  projectVolume,
  renderProjection,
  rotatePhantomY,
  stateAt,
  stateRange,
  voxelize,
} from '../src/sim/index.ts';
import type { Grid2d, Grid3d, PhantomOptions } from '../src/sim/index.ts';

const BASE: PhantomOptions = { scenario: 'cycled-200', seed: 11, count: 5, sizeRangeM: [1e-6, 2.5e-6], kind: '2d', extentM: [7e-6, 7e-6] };

function grids(n: number, nz: number, p: number): { g2: Grid2d; g3: Grid3d } {
  const o = -(n / 2) * p;
  return {
    g2: { nx: n, ny: n, pixelM: p, originM: [o, o] },
    g3: { nx: n, ny: n, nz, voxelM: p, originM: [o, o, -(nz / 2) * p] },
  };
}

describe('phantom', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = makePhantom(BASE);
    const b = makePhantom(BASE);
    const c = makePhantom({ ...BASE, seed: 12 });
    expect(JSON.stringify(a)).toEqual(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toEqual(JSON.stringify(c));
    expect(a.crystals.length).toBeGreaterThanOrEqual(3);
    for (const k of a.crystals) {
      // Convex faceted crystals 1–3 µm: the centre is inside, far points are not.
      expect(Math.abs(k.normals[0] ** 2 + k.normals[1] ** 2 + k.normals[2] ** 2 - 1)).toBeLessThan(1e-12);
      expect(k.radiusM).toBeGreaterThan(0.5e-6);
      expect(k.radiusM).toBeLessThan(2.5e-6);
    }
  });

  it('the 2D projection of the 3D voxel phantom equals the 2D path', () => {
    const ph = makePhantom(BASE);
    const p = 0.12e-6;
    const { g2, g3 } = grids(72, 96, p);
    const nodes = nodeRangeFor(ph);
    const table = opticalTable([8270, 8348], { states: stateRange(ph) });
    // Same sampling (voxel centres): identical line integrals.
    const direct = renderProjection(ph, g2, { nodes, zStartM: g3.originM[2] - p / 2 });
    const viaVolume = projectVolume(voxelize(ph, g3, 1), nodes);
    let tSum = 0;
    for (let i = 0; i < direct.thicknessM.length; i++) {
      tSum += direct.thicknessM[i];
      // float32 storage: equal to ~1e-7 relative.
      expect(Math.abs(viaVolume.thicknessM[i] - direct.thicknessM[i])).toBeLessThanOrEqual(1e-6 * direct.thicknessM[i] + 1e-15);
      expect(Math.abs(viaVolume.stateIntegralM[i] - direct.stateIntegralM[i])).toBeLessThanOrEqual(1e-6 * direct.stateIntegralM[i] + 1e-15);
    }
    expect(tSum).toBeGreaterThan(0);
    const a = integrateOptics(direct, table, 1);
    const b = integrateOptics(viaVolume, table, 1);
    for (let i = 0; i < a.betaIntegralM.length; i++) {
      expect(Math.abs(b.betaIntegralM[i] - a.betaIntegralM[i])).toBeLessThanOrEqual(1e-6 * a.betaIntegralM[i] + 1e-25);
      expect(Math.abs(b.deltaIntegralM[i] - a.deltaIntegralM[i])).toBeLessThanOrEqual(1e-6 * a.deltaIntegralM[i] + 1e-25);
    }
    // With 2×2(×2) sub-samples: thickness and ∫v dz still identical; β within 1 % (voxel mean state).
    const d2 = renderProjection(ph, g2, { nodes, supersample: 2, zStartM: g3.originM[2] - p / 2 });
    const v2 = projectVolume(voxelize(ph, g3, 2), nodes);
    const a2 = integrateOptics(d2, table, 1);
    const b2 = integrateOptics(v2, table, 1);
    let maxB = 0;
    for (const x of a2.betaIntegralM) maxB = Math.max(maxB, x);
    for (let i = 0; i < d2.thicknessM.length; i++) {
      expect(Math.abs(v2.thicknessM[i] - d2.thicknessM[i])).toBeLessThanOrEqual(1e-6 * d2.thicknessM[i] + 1e-15);
      expect(Math.abs(b2.betaIntegralM[i] - a2.betaIntegralM[i])).toBeLessThan(0.01 * maxB);
    }
  });

  it('the projection at 90° is the volume summed along x (rotation convention)', () => {
    const ph = makePhantom({ ...BASE, kind: '3d', seed: 4, count: 3, extentM: [5e-6, 5e-6] });
    const p = 0.1e-6;
    const n = 64;
    const { g3 } = grids(n, n, p);
    const vol = voxelize(ph, g3, 1);
    // r_lab = R_y(90°)·r: x_lab = z, z_lab = −x → lab column x_lab collects volume z index.
    const rot = renderProjection(rotatePhantomY(ph, Math.PI / 2), { nx: n, ny: n, pixelM: p, originM: [g3.originM[2], g3.originM[1]] }, { zStartM: g3.originM[0] - p / 2 });
    let diff = 0;
    let total = 0;
    for (let iy = 0; iy < n; iy++)
      for (let iz = 0; iz < n; iz++) {
        let t = 0;
        for (let ix = 0; ix < n; ix++) t += vol.occupancy[iz * n * n + iy * n + ix] * p;
        diff += Math.abs(t - rot.thicknessM[iy * n + iz]);
        total += t;
      }
    expect(total).toBeGreaterThan(0);
    expect(diff / total).toBeLessThan(0.02);
  });

  it('scenarios give the oxidation-state distributions they describe', () => {
    const run = (scenario: PhantomOptions['scenario']) => {
      const ph = makePhantom({ ...BASE, scenario, count: 8, kind: '3d', extentM: [8e-6, 8e-6] });
      const { g3 } = grids(64, 64, 0.13e-6);
      const vol = voxelize(ph, g3, 1);
      const states = Array.from(vol.state).filter((_, i) => vol.occupancy[i] > 0).sort((x, y) => x - y);
      return { ph, states };
    };
    const q = (s: number[], f: number) => s[Math.floor(f * (s.length - 1))];
    const pristine = run('pristine').states;
    expect(q(pristine, 0.02)).toBeGreaterThan(2.1);
    expect(q(pristine, 0.98)).toBeLessThan(2.45);
    const c200 = run('cycled-200').states;
    expect(q(c200, 0.02)).toBeLessThan(2.45);
    expect(c200[c200.length - 1]).toBeGreaterThan(3.2); // slabs
    const c500 = run('cycled-500');
    const aged = c500.ph.crystals.filter((k) => k.state.coreState > 3).length;
    expect(aged / c500.ph.crystals.length).toBeGreaterThan(0.5); // most crystals > Ni3+
    expect(aged).toBeLessThan(c500.ph.crystals.length); // a few near pristine
    expect(q(c500.states, 0.05)).toBeLessThan(2.4); // lower-valence surface layer
    expect(q(c500.states, 0.9)).toBeGreaterThan(3);
  });

  it('stateAt agrees with the fast column sampler', () => {
    const ph = makePhantom(BASE);
    const k = ph.crystals[0];
    const p = 0.05e-6;
    const g: Grid2d = { nx: 1, ny: 1, pixelM: p, originM: [k.centerM[0] + 0.11e-6, k.centerM[1] - 0.07e-6] };
    const maps = renderProjection({ ...ph, crystals: [k] }, g, { dzM: 1e-9 });
    // Mean state over the chord by brute force with stateAt.
    let s = 0;
    let n = 0;
    for (let z = -3e-6; z < 3e-6; z += 1e-9) {
      const r = [g.originM[0], g.originM[1], k.centerM[2] + z] as const;
      let inside = true;
      for (let f = 0; f < k.offsetsM.length; f++) {
        const d = k.normals[3 * f] * (r[0] - k.centerM[0]) + k.normals[3 * f + 1] * (r[1] - k.centerM[1]) + k.normals[3 * f + 2] * (r[2] - k.centerM[2]);
        if (d > k.offsetsM[f]) inside = false;
      }
      if (inside) {
        s += stateAt(k, r[0], r[1], r[2]);
        n++;
      }
    }
    expect(meanStateMap(maps)[0]).toBeCloseTo(s / n, 3);
    expect(maps.thicknessM[0]).toBeCloseTo(n * 1e-9, 8);
  });

  it('area resampling conserves integrals and moves content by the shift', () => {
    const src: Grid2d = { nx: 40, ny: 30, pixelM: 0.05, originM: [0, 0] };
    const map = new Float32Array(40 * 30);
    map[15 * 40 + 20] = 1;
    const dst: Grid2d = { nx: 25, ny: 20, pixelM: 0.103, originM: [0, 0] };
    const out = new AreaResampler(src, dst, [0.2, -0.1]).apply(map);
    let s = 0;
    let cx = 0;
    let cy = 0;
    out.forEach((v, i) => {
      s += v;
      cx += v * (i % 25);
      cy += v * Math.floor(i / 25);
    });
    expect(s * 0.103 ** 2).toBeCloseTo(0.05 ** 2, 8);
    expect((cx / s) * 0.103).toBeCloseTo(20 * 0.05 + 0.2, 1);
    expect((cy / s) * 0.103).toBeCloseTo(15 * 0.05 - 0.1, 1);
  });
});

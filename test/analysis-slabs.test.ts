import { describe, expect, it } from 'vitest';
import { segmentCrystals } from '../src/analysis/segment.ts';
import { findSlabs, slabsCsv, slabsPerCrystalCsv, symmetricEigen } from '../src/analysis/slabs.ts';
import { ballPhantom, overlaps } from '../src/analysis/phantom.ts';
import { presetConfig } from '../src/sim/config.ts';
import { planExperiment } from '../src/sim/experiment.ts';
import { truthVolume } from '../src/sim/truth.ts';

describe('slabs', () => {
  it('symmetric eigen-decomposition', () => {
    const { values, vectors } = symmetricEigen([[2, 1, 0], [1, 2, 0], [0, 0, 5]]);
    expect(values.map((v) => +v.toFixed(9))).toEqual([1, 3, 5]);
    expect(Math.abs(vectors[0][0] + vectors[1][0])).toBeLessThan(1e-9); // (1, −1)/√2 for λ = 1
  });

  it('finds parallel slabs in a map with their trace angle within 10° and thickness', () => {
    const angle = 30, th = (angle * Math.PI) / 180;
    const ph = ballPhantom([70, 70], [{ c: [35, 35], r: 28 }], (_d, _k, c) => {
      const dist = (c[1] - 35) * Math.sin(th) + (c[0] - 35) * Math.cos(th); // across the trace, pixels
      return Math.abs(dist - 8) <= 2.5 || Math.abs(dist + 9) <= 2.5 ? 3.4 : 2.6;
    }, 0.08, 21);
    const seg = segmentCrystals(ph.state, ph.shape, 40e-9, { edgeStep: ph.edgeStep });
    expect(seg.count).toBe(1);
    const r = findSlabs(seg, ph.state, { threshold: 3 });
    expect(r.slabs).toHaveLength(2);
    expect(r.perCrystal[0].count).toBe(2);
    for (const s of r.slabs) {
      const d = Math.abs(((s.angleDeg - angle + 90) % 180 + 180) % 180 - 90);
      expect(d).toBeLessThan(10);
      expect(Math.abs(s.thicknessNm - 5 * 40)).toBeLessThan(60);
      expect(s.planarity).toBeGreaterThan(0.9);
    }
    expect(slabsCsv(r, 2).split('\n')[0]).toContain('trace_angle_deg');
    const per = slabsPerCrystalCsv(r, 2).trim().split('\n');
    expect(per).toHaveLength(2);
    expect(per[1].split(',')[1]).toBe('2');
  });

  it('finds the plane normal of a slab in a volume within 10°', () => {
    const n = [0.3, -0.5, 0.81]; // (x, y, z)
    const len = Math.hypot(...n);
    const u = n.map((v) => v / len);
    const ph = ballPhantom([30, 30, 30], [{ c: [15, 15, 15], r: 13 }], (_d, _k, c) => {
      const dist = (c[2] - 15) * u[0] + (c[1] - 15) * u[1] + (c[0] - 15) * u[2];
      return Math.abs(dist) <= 2 ? 3.3 : 2.5;
    }, 0.05, 22);
    const seg = segmentCrystals(ph.state, ph.shape, 50e-9, { edgeStep: ph.edgeStep });
    const r = findSlabs(seg, ph.state);
    expect(r.slabs).toHaveLength(1);
    const s = r.slabs[0];
    const cos = Math.abs(s.normal.reduce((a, v, i) => a + v * u[i], 0));
    expect((Math.acos(Math.min(1, cos)) * 180) / Math.PI).toBeLessThan(10);
    expect(Math.abs(s.angleDeg - (Math.acos(Math.abs(u[2])) * 180) / Math.PI)).toBeLessThan(10);
    expect(r.perCrystal[0].orientation).not.toBeNull();
  });

  it("finds the simulator's basal-plane slabs (cycled-200 phantom, 50 nm voxels): count, normal within 10°, thickness", () => {
    const cfg = presetConfig('3d-paper');
    cfg.scenario = 'cycled-200';
    cfg.sample.crystals = 5;
    cfg.sample.extentM = [6e-6, 6e-6];
    cfg.output = { ...(cfg.output ?? {}), truthVoxelM: 50e-9 };
    const plan = planExperiment(cfg);
    const v = truthVolume(plan);
    const shape = [v.grid.nz, v.grid.ny, v.grid.nx];
    const seg = segmentCrystals(v.state, shape, 50e-9, { edgeStep: v.occupancy, maskThreshold: 0.1 });
    const truth = Int32Array.from(v.labels);
    const o = overlaps(truth, seg.labels, plan.phantom.crystals.length);
    const r = findSlabs(seg, v.state);
    let checked = 0;
    plan.phantom.crystals.forEach((c, k) => {
      const mine = r.slabs.filter((s) => s.crystal === o[k].label);
      const truthSlabs = c.state.slabs;
      expect(mine.length).toBe(truthSlabs ? truthSlabs.offsetsM.length : 0);
      for (const s of mine) {
        const n = truthSlabs!.normal;
        const cos = Math.abs(s.normal[0] * n[0] + s.normal[1] * n[1] + s.normal[2] * n[2]);
        expect((Math.acos(Math.min(1, cos)) * 180) / Math.PI).toBeLessThan(10);
        expect(Math.abs(s.thicknessNm / (2 * truthSlabs!.halfWidthM * 1e9) - 1)).toBeLessThan(0.25);
        checked++;
      }
    });
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});

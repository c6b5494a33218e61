import { describe, expect, it } from 'vitest';
import { gpuOrSkip } from './helpers/gpu.ts';
import { defocusedPupilProbe, makeSyntheticPtycho, normalizedRmsError, reconstructEpie } from '../src/ptycho/index.ts';
import type { EpieOptions, EpieResult, SyntheticData } from '../src/ptycho/index.ts';
import { roughObject } from './helpers/ptycho.ts';
import { scanPixels } from '../src/ptycho/geometry.ts';
import { DEFAULT_REFINE } from '../src/ptycho/positions.ts';

const n = 32;

function relDiff(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return Math.sqrt(num / den);
}

async function bothBackends(d: SyntheticData, opts: EpieOptions, ctx: Awaited<ReturnType<typeof gpuOrSkip>>): Promise<[EpieResult, EpieResult]> {
  const o = { iterations: 3, probeInit: d.probe, objectInit: roughObject(d), seed: 3, threads: 1, ...opts };
  return [await reconstructEpie(d.source, { ...o, backend: 'cpu' }), await reconstructEpie(d.source, { ...o, backend: 'gpu', ctx })];
}

function expectAgreement(cpu: EpieResult, gpu: EpieResult, probeTol = 1e-4): void {
  expect(gpu.timings.backend).toBe('gpu');
  for (let i = 0; i < cpu.errors.length; i++) expect(Math.abs(gpu.errors[i] / cpu.errors[i] - 1), `error ${i}`).toBeLessThan(1e-4);
  expect(relDiff(cpu.object.data, gpu.object.data)).toBeLessThan(1e-4);
  expect(relDiff(cpu.probe.data, gpu.probe.data)).toBeLessThan(probeTol);
}

describe('ePIE on the GPU agrees with the CPU (same seed, same order)', () => {
  it('sequential, one mode, subpixel positions', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const d = makeSyntheticPtycho({ n, scanX: 6, scanY: 6, seed: 21 });
    const [cpu, gpu] = await bothBackends(d, { mode: 'sequential' }, ctx);
    expectAgreement(cpu, gpu);
    expect(gpu.timings.gpuResident).toBe(true);
    expect(gpu.timings.gpuBytes).toBeGreaterThan(0);
  });

  it('parallel mini-batches, one and two modes', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const d = makeSyntheticPtycho({ n, scanX: 12, scanY: 12, modes: 2, seed: 22 });
    for (const probeModes of [1, 2]) {
      // Two iterations: later ones amplify f32 rounding differences (chaotic dynamics far from convergence).
      const [cpu, gpu] = await bothBackends(d, { mode: 'parallel', batchSize: 20, probeModes, probeInit: d.probe, iterations: 2 }, ctx);
      // Mode orthogonalisation runs in f32 on the GPU (f64 on the CPU): looser on the probe.
      expectAgreement(cpu, gpu, probeModes > 1 ? 1e-3 : 1e-4);
    }
  });

  it('parallel mini-batches on whole-pixel positions (no shifts: the FFT-free probe path)', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const d = makeSyntheticPtycho({ n, scanX: 8, scanY: 8, seed: 25 });
    const [cpu, gpu] = await bothBackends(d, { mode: 'parallel', batchSize: 16, subpixel: 'nearest' }, ctx);
    expectAgreement(cpu, gpu);
  });

  it('mPIE rule: rPIE steps, object momentum and the modulus bound, sequential and parallel', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const d = makeSyntheticPtycho({ n, scanX: 6, scanY: 6, seed: 26 });
    for (const mode of ['sequential', 'parallel'] as const) {
      // Momentum every 5 positions so a few steps happen within the iterations compared.
      const [cpu, gpu] = await bothBackends(d, { mode, engine: 'mpie', momentumEvery: 5, objectAmplitudeMax: 1, batchSize: 8 }, ctx);
      expectAgreement(cpu, gpu);
    }
  });

  it('position refinement: the same refined positions, sequential and parallel', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const d = makeSyntheticPtycho({ n, scanX: 6, scanY: 6, seed: 27, positionErrorPx: 1.5 });
    // The object grid of a refined scan has a wider border.
    const grid = scanPixels(d.source.geometry.positionsM, n, d.pixelSizeM, 'grid', 1 + DEFAULT_REFINE.maxShiftPx);
    const objectInit = roughObject(d, [grid.objectHeight, grid.objectWidth]);
    for (const mode of ['sequential', 'parallel'] as const) {
      const [cpu, gpu] = await bothBackends(d, { mode, iterations: 4, batchSize: 8, refinePositions: { start: 1 }, objectInit }, ctx);
      expectAgreement(cpu, gpu, 1e-3);
      let moved = 0;
      for (let i = 0; i < cpu.positionsM.length; i++) {
        moved = Math.max(moved, Math.abs(cpu.positionShiftsM[i]) / d.pixelSizeM);
        expect(Math.abs(gpu.positionsM[i] - cpu.positionsM[i]) / d.pixelSizeM, `${mode} position ${i}`).toBeLessThan(1e-3);
      }
      expect(moved, mode).toBeGreaterThan(0.05);
    }
  });

  it('sequential with two modes, orthogonalised on the GPU', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const d = makeSyntheticPtycho({ n, scanX: 5, scanY: 5, modes: 2, seed: 23 });
    const [cpu, gpu] = await bothBackends(d, { mode: 'sequential', probeModes: 2, probeInit: d.probe }, ctx);
    expectAgreement(cpu, gpu, 1e-3);
    expect(gpu.modePowers[0]).toBeGreaterThan(gpu.modePowers[1]);
  });

  it('streams chunks through a small GPU budget with the resident result', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const d = makeSyntheticPtycho({ n, scanX: 5, scanY: 5, seed: 24 });
    const base = { backend: 'gpu' as const, ctx, mode: 'parallel' as const, iterations: 2, probeInit: d.probe, chunkBytes: 8 * n * n * 4 };
    const kept = await reconstructEpie(d.source, base);
    const streamed = await reconstructEpie(d.source, { ...base, gpuBudgetBytes: 1 });
    expect(kept.timings.chunks).toBe(4);
    expect(kept.timings.gpuResident).toBe(true);
    expect(streamed.timings.gpuResident).toBe(false);
    expect(streamed.errors).toEqual(kept.errors);
    expect(relDiff(kept.object.data, streamed.object.data)).toBe(0);
  });

  it('reconstructs noise-free data to NRMS < 0.1 (parallel mode)', async (t) => {
    const ctx = await gpuOrSkip(t.skip);
    const d = makeSyntheticPtycho({ n, scanX: 8, scanY: 8, seed: 11 });
    const r = await reconstructEpie(d.source, { backend: 'gpu', ctx, mode: 'parallel', iterations: 40, probeInit: { data: defocusedPupilProbe(n, (n / 3) * 0.8), shape: [n, n] } });
    const [H, W] = r.object.shape;
    expect(normalizedRmsError(r.object.data, d.object.data, H, W, r.illuminatedMask)).toBeLessThan(0.1);
  });
});

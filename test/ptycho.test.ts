import { afterAll, describe, expect, it } from 'vitest';
import { defocusedPupilProbe, makeSyntheticPtycho, normalizedRmsError, reconstructEpie, reconstructSeries, attenuation, warmStartInit, shutdownEpieWorkers } from '../src/ptycho/index.ts';
import type { EpieResult } from '../src/ptycho/index.ts';

const n = 32;
// A probe model that is not the truth (a zone-plate model rarely is): 20% smaller focus spot.
const modelProbe = () => ({ data: defocusedPupilProbe(n, (n / 3) * 0.8), shape: [n, n] });

function nrms(r: EpieResult, truth: { data: Float32Array }): number {
  const [H, W] = r.object.shape;
  return normalizedRmsError(r.object.data, truth.data, H, W, r.illuminatedMask);
}

describe('ePIE on the CPU', () => {
  afterAll(() => shutdownEpieWorkers());

  it('recovers a noise-free object to NRMS < 0.1 on the well-lit area (sequential and parallel)', async () => {
    const d = makeSyntheticPtycho({ n, scanX: 8, scanY: 8, seed: 11 });
    for (const mode of ['sequential', 'parallel'] as const) {
      const r = await reconstructEpie(d.source, { backend: 'cpu', mode, iterations: 60, probeInit: modelProbe(), threads: 1 });
      const e = nrms(r, d.object);
      expect(e, mode).toBeLessThan(0.1);
      expect(r.errors.at(-1)!).toBeLessThan(r.errors[0] / 10);
      // Outputs are consistent: modulus/phase of the object, −ln|O|, probe shape, grid metadata.
      expect(r.object.shape).toEqual([d.scan.objectHeight, d.scan.objectWidth]);
      expect(r.probe.shape).toEqual([1, n, n]);
      expect(r.pixelSizeM).toBeCloseTo(d.pixelSizeM, 15);
      expect(r.originM[0]).toBeCloseTo(d.scan.originM[0], 15);
      expect(r.energyEv).toBe(8340);
      const att = attenuation(r.object);
      const i = r.illuminatedMask.indexOf(1);
      expect(att.data[i]).toBeCloseTo(-Math.log(r.modulus.data[i]), 5);
      expect(r.phase.data[i]).toBeCloseTo(Math.atan2(r.object.data[2 * i + 1], r.object.data[2 * i]), 5);
      expect(r.timings.iterations).toBe(60);
      expect(r.timings.patternUpdatesPerS).toBeGreaterThan(0);
    }
  });

  it('lowers the Fourier error monotonically over the first iterations on Poisson data', async () => {
    const d = makeSyntheticPtycho({ n, scanX: 8, scanY: 8, photons: 2e4, seed: 12 });
    const r = await reconstructEpie(d.source, { backend: 'cpu', mode: 'sequential', iterations: 8, probeInit: modelProbe() });
    for (let i = 1; i < r.errors.length; i++) expect(r.errors[i], `iteration ${i}`).toBeLessThan(r.errors[i - 1]);
    expect(nrms(r, d.object)).toBeLessThan(0.3);
  });

  it('fits two-mode data better with K = 2 than K = 1', async () => {
    const d = makeSyntheticPtycho({ n, scanX: 8, scanY: 8, modes: 2, modePower: 0.3, seed: 13 });
    // Both start from the coherent (first) mode, e.g. known from a neighbouring energy; K = 2 seeds its second mode.
    const first = { data: d.probe.data.slice(0, 2 * n * n), shape: [n, n] };
    const opts = { backend: 'cpu' as const, mode: 'sequential' as const, iterations: 30, probeInit: first, seed: 2 };
    const one = await reconstructEpie(d.source, { ...opts, probeModes: 1 });
    const two = await reconstructEpie(d.source, { ...opts, probeModes: 2 });
    expect(two.errors.at(-1)!).toBeLessThan(0.5 * one.errors.at(-1)!);
    expect(two.probe.shape).toEqual([2, n, n]);
    // Modes come out orthogonal and sorted by power.
    const [p0, p1] = two.modePowers;
    expect(p0).toBeGreaterThan(p1);
    let re = 0;
    let im = 0;
    const f = 2 * n * n;
    for (let i = 0; i < f; i += 2) {
      const [ar, ai, br, bi] = [two.probe.data[i], two.probe.data[i + 1], two.probe.data[f + i], two.probe.data[f + i + 1]];
      re += ar * br + ai * bi;
      im += ar * bi - ai * br;
    }
    expect(Math.hypot(re, im)).toBeLessThan(1e-4 * p0);
  });

  it('warm-starts an energy series: the second energy reaches the cold-start error in far fewer iterations', async () => {
    const d1 = makeSyntheticPtycho({ n, scanX: 8, scanY: 8, energyEv: 8340, seed: 14 });
    const d2 = makeSyntheticPtycho({
      n,
      energyEv: 8360,
      positionsM: d1.source.geometry.positionsM,
      objectFrom: { object: d1.object, originM: d1.scan.originM, pixelSizeM: d1.pixelSizeM },
      seed: 15,
    });
    // Plain ePIE: the warm-start saving measured against its own cold start (mPIE's cold start
    // ends at a lower error in 40 iterations; a warm mPIE run needs 13 iterations to reach it).
    const opts = { backend: 'cpu' as const, mode: 'sequential' as const, engine: 'epie' as const, iterations: 40, probeInit: modelProbe() };
    const cold = await reconstructEpie(d2.source, opts);
    const events: string[] = [];
    const done: number[] = [];
    const series = await reconstructSeries([d1.source, d2.source], {
      ...opts,
      warmIterations: 40,
      onProgress: (e) => events.push(e.stage),
      onEnergyDone: (i) => void done.push(i),
    });
    expect(done).toEqual([0, 1]);
    expect(events).toContain('epie-series');
    const warm = series[1];
    expect(warm.pixelSizeM).toBeLessThan(series[0].pixelSizeM); // higher energy, finer pixels
    const target = cold.errors.at(-1)!;
    const itersTo = (e: number[]) => e.findIndex((x) => x <= target) + 1;
    const warmIters = itersTo(warm.errors);
    expect(warmIters).toBeGreaterThan(0);
    expect(warmIters).toBeLessThan(cold.errors.length / 4);
    expect(nrms(warm, d2.object)).toBeLessThan(0.1);
    // The warm start itself lies on the new grid.
    const init = warmStartInit(series[0], d2.source);
    expect(init.objectInit!.shape).toEqual([d2.scan.objectHeight, d2.scan.objectWidth]);
  });

  it('streams patterns in chunks with the same result as keeping them in memory', async () => {
    const d = makeSyntheticPtycho({ n, scanX: 6, scanY: 6, seed: 16 });
    const base = { backend: 'cpu' as const, mode: 'sequential' as const, iterations: 3, probeInit: modelProbe(), chunkBytes: 10 * n * n * 4, blockFrames: 4 };
    const kept = await reconstructEpie(d.source, base);
    const streamed = await reconstructEpie(d.source, { ...base, hostBudgetBytes: 1 });
    expect(kept.timings.chunks).toBe(4);
    expect(kept.timings.hostResident).toBe(true);
    expect(streamed.timings.hostResident).toBe(false);
    expect(streamed.errors).toEqual(kept.errors);
    expect(Array.from(streamed.object.data)).toEqual(Array.from(kept.object.data));
    expect(kept.timings.peakRssBytes).toBeGreaterThan(0);
  });

  it('runs the parallel mode on worker threads with the same result as one thread', async () => {
    const d = makeSyntheticPtycho({ n, scanX: 12, scanY: 12, seed: 17 });
    const base = { backend: 'cpu' as const, mode: 'parallel' as const, iterations: 3, probeInit: modelProbe(), batchSize: 20 };
    const one = await reconstructEpie(d.source, { ...base, threads: 1 });
    const two = await reconstructEpie(d.source, { ...base, threads: 2 });
    expect(two.timings.threads).toBe(2);
    // Finished workers are pooled: the next reconstruction starts without spawning.
    const again = await reconstructEpie(d.source, { ...base, threads: 2, iterations: 1 });
    expect(again.timings.setupS).toBeLessThan(two.timings.setupS);
    expect(again.errors[0]).toBeCloseTo(two.errors[0], 8);
    for (let i = 0; i < 3; i++) expect(two.errors[i]).toBeCloseTo(one.errors[i], 8);
    let diff = 0;
    for (let i = 0; i < one.object.data.length; i++) diff = Math.max(diff, Math.abs(one.object.data[i] - two.object.data[i]));
    expect(diff).toBeLessThan(1e-4);
  });

  it('stops at the target error and honours cancellation', async () => {
    const d = makeSyntheticPtycho({ n, scanX: 6, scanY: 6, seed: 18 });
    const r = await reconstructEpie(d.source, { backend: 'cpu', iterations: 50, probeInit: modelProbe(), targetError: 1e9 });
    expect(r.errors.length).toBe(1);
    const ac = new AbortController();
    const p = reconstructEpie(d.source, { backend: 'cpu', iterations: 50, signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toThrow(/abort/i);
  });
});

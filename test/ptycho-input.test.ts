import { describe, expect, it } from 'vitest';
import { PtyxanesError } from '../src/core/errors.ts';
import { MemoryFrameSource } from '../src/core/frames.ts';
import { makeSyntheticPtycho, reconstructEpie } from '../src/ptycho/index.ts';

const n = 32;
const base = () => makeSyntheticPtycho({ n, scanX: 3, scanY: 3, seed: 31 });

function withFrames(frames: Float32Array, opts: { mask?: Uint8Array; positionsM?: Float64Array; h?: number; w?: number } = {}) {
  const d = base();
  const g = { ...d.source.geometry, positionsM: opts.positionsM ?? d.source.geometry.positionsM };
  return new MemoryFrameSource(frames, opts.h ?? n, opts.w ?? n, g, opts.mask, 'bad.cxi:/entry_1');
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<PtyxanesError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected a rejection').toBeInstanceOf(PtyxanesError);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).toContain('bad.cxi:/entry_1');
  return err as PtyxanesError;
}

describe('ePIE input checks', () => {
  it('rejects NaN counts, naming the frame and pixel', async () => {
    const frames = Float32Array.from(base().source.frames);
    frames[4 * n * n + 5 * n + 7] = NaN;
    const e = await rejects(reconstructEpie(withFrames(frames), { backend: 'cpu', iterations: 1 }), /frame 4 pixel \(row 5, column 7\)/);
    expect(e.expected).toMatch(/finite counts >= 0/);
    expect(e.found).toBe('NaN');
  });

  it('rejects negative counts', async () => {
    const frames = Float32Array.from(base().source.frames);
    frames[3] = -2;
    await rejects(reconstructEpie(withFrames(frames), { backend: 'cpu', iterations: 1 }), /frame 0 .* invalid counts.*found -2/);
  });

  it('ignores garbage on masked pixels', async () => {
    const frames = Float32Array.from(base().source.frames);
    const mask = new Uint8Array(n * n).fill(1);
    frames[3] = NaN;
    mask[3] = 0;
    const r = await reconstructEpie(withFrames(frames, { mask }), { backend: 'cpu', iterations: 1, threads: 1 });
    expect(Number.isFinite(r.errors[0])).toBe(true);
  });

  it('rejects a position count that differs from the frame count', async () => {
    const d = base();
    const positionsM = d.source.geometry.positionsM.slice(0, 2 * 8);
    const e = await rejects(reconstructEpie(withFrames(d.source.frames, { positionsM }), { backend: 'cpu' }), /position count does not match the frame count/);
    expect(e.field).toBe('geometry.positionsM');
    expect(e.expected).toMatch(/^9 /);
    expect(e.found).toMatch(/^8 positions/);
  });

  it('rejects an empty mask', async () => {
    const e = await rejects(reconstructEpie(withFrames(base().source.frames, { mask: new Uint8Array(n * n) }), { backend: 'cpu' }), /no pixel as measured/);
    expect(e.field).toBe('validMask');
  });

  it('rejects a probe array of the wrong size', async () => {
    const probe = { data: new Float32Array(2 * 16 * 32), shape: [16, 32] };
    const e = await rejects(reconstructEpie(withFrames(base().source.frames), { backend: 'cpu', probeInit: probe }), /probe array has the wrong size/);
    expect(e.field).toBe('probeInit');
    expect(e.found).toBe('[16,32]');
  });

  it('rejects patterns smaller than the probe', async () => {
    const probe = { data: new Float32Array(2 * 64 * 64), shape: [64, 64] };
    await rejects(reconstructEpie(withFrames(base().source.frames), { backend: 'cpu', probeInit: probe }), /patterns \(32×32\) are smaller than the probe \(64×64\)/);
  });

  it('rejects frames that are not square powers of two, bad options and a wrong object grid', async () => {
    const d = base();
    await rejects(reconstructEpie(withFrames(new Float32Array(9 * 24 * 24), { h: 24, w: 24 }), { backend: 'cpu' }), /power of two/);
    await rejects(reconstructEpie(withFrames(new Float32Array(9 * 32 * 16), { h: 32, w: 16 }), { backend: 'cpu' }), /must be square/);
    await rejects(reconstructEpie(withFrames(d.source.frames), { backend: 'cpu', probeModes: 9 }), /option probeModes is out of range/);
    await rejects(reconstructEpie(withFrames(d.source.frames), { backend: 'cpu', mode: 'fast' as never }), /unknown ePIE mode/);
    const obj = { data: new Float32Array(2 * 10 * 10), shape: [10, 10] };
    await rejects(reconstructEpie(withFrames(d.source.frames), { backend: 'cpu', objectInit: obj }), /object array does not match/);
    const g = { ...d.source.geometry, energyEv: -1 };
    await rejects(reconstructEpie(new MemoryFrameSource(d.source.frames, n, n, g, undefined, 'bad.cxi:/entry_1'), { backend: 'cpu' }), /energyEv must be positive/);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import {
  CpuFft2d, ScrambledFft2d, bitReversedIndex, fft2d, fft2dCpu, fftshift2d, ifftshift2d, fftWorkerStatus, shutdownFftWorkers, MAX_FFT_SIZE,
} from '../src/fft/index.ts';
import { PtyxanesError } from '../src/core/errors.ts';
import { delta, deltaSpectrum, energy, fftJs2d, maxAbsDiff, naiveDft2d, planeWave, randomComplex, relL2 } from './helpers/fft.ts';

afterAll(() => shutdownFftWorkers());

describe('CPU FFT (radix 4)', () => {
  it('matches fft.js (the reference twin), forward and inverse, square and not, odd and even log₂', () => {
    for (const [h, w] of [[16, 16], [32, 64], [128, 16], [256, 256]]) {
      const x = randomComplex(2 * h * w, h + w);
      for (const inverse of [false, true]) {
        const y = Float32Array.from(x);
        new CpuFft2d(h, w, 'js').transform(y, inverse ? 'inverse' : 'forward');
        expect(relL2(y, fftJs2d(x, h, w, inverse))).toBeLessThan(1e-6);
      }
    }
  });

  it('ScrambledFft2d: forward leaves both axes bit-reversed, inverse brings them back (unnormalised)', () => {
    for (const [h, w] of [[16, 32], [64, 64], [128, 128]]) {
      const x = randomComplex(2 * h * w, 7 * h + w);
      const ref = fftJs2d(x, h, w, false);
      const s = new ScrambledFft2d(h, w);
      const y = Float64Array.from(x);
      s.forward(y);
      const map = bitReversedIndex(h, w);
      const natural = new Float32Array(2 * h * w);
      for (let i = 0; i < h * w; i++) {
        natural[2 * map[i]] = y[2 * i];
        natural[2 * map[i] + 1] = y[2 * i + 1];
      }
      expect(relL2(natural, ref)).toBeLessThan(1e-6);
      s.inverse(y);
      expect(relL2(Float32Array.from(y, (v) => v / (h * w)), Float64Array.from(x))).toBeLessThan(1e-6);
    }
  });
});

describe('CPU FFT', () => {
  it('matches a naive 2D DFT, forward and inverse, non-square', () => {
    const [b, h, w] = [2, 32, 16];
    const x = randomComplex(2 * b * h * w, 11);
    for (const inverse of [false, true]) {
      const y = x.slice();
      fft2dCpu(y, b, h, w, inverse ? 'inverse' : 'forward');
      expect(relL2(y, naiveDft2d(x, b, h, w, inverse))).toBeLessThan(1e-6);
    }
  });

  it('transforms one frame in place at an offset and leaves the others alone', () => {
    const [h, w] = [16, 64];
    const x = randomComplex(3 * 2 * h * w, 12);
    const y = x.slice();
    new CpuFft2d(h, w).transform(y, 'forward', 2 * h * w);
    expect(y.subarray(0, 2 * h * w)).toEqual(x.subarray(0, 2 * h * w));
    expect(y.subarray(4 * h * w)).toEqual(x.subarray(4 * h * w));
    const ref = naiveDft2d(x.subarray(2 * h * w, 4 * h * w), 1, h, w);
    expect(relL2(y.subarray(2 * h * w, 4 * h * w), ref)).toBeLessThan(1e-6);
  });

  it('round-trips forward then inverse and satisfies Parseval', () => {
    const [b, h, w] = [3, 64, 128];
    const x = randomComplex(2 * b * h * w, 13);
    const y = x.slice();
    fft2dCpu(y, b, h, w, 'forward');
    expect(energy(y) / (h * w * energy(x))).toBeCloseTo(1, 5);
    fft2dCpu(y, b, h, w, 'inverse');
    expect(relL2(y, x)).toBeLessThan(1e-6);
  });

  it('puts a delta and a plane wave where the convention says', () => {
    const [h, w] = [32, 64];
    const d = delta(h, w, 3, 5);
    fft2dCpu(d, 1, h, w, 'forward');
    expect(maxAbsDiff(d, deltaSpectrum(h, w, 3, 5))).toBeLessThan(1e-5);
    const p = planeWave(h, w, 7, 50);
    fft2dCpu(p, 1, h, w, 'forward');
    const peak = delta(h, w, 7, 50).map((v) => v * h * w);
    expect(maxAbsDiff(p, peak) / (h * w)).toBeLessThan(1e-5);
    // The inverse of a spectral delta is the plane wave scaled by 1/(H·W).
    const q = delta(h, w, 7, 50);
    fft2dCpu(q, 1, h, w, 'inverse');
    expect(maxAbsDiff(q, planeWave(h, w, 7, 50).map((v) => v / (h * w)))).toBeLessThan(1e-8);
  });
});

describe('fft2d on the CPU backend (worker threads)', () => {
  it('matches the single-thread transform, for shared and ordinary memory', async () => {
    const [b, h, w] = [40, 64, 64]; // above the threading threshold
    const x = randomComplex(2 * b * h * w, 14);
    const ref = x.slice();
    fft2dCpu(ref, b, h, w, 'forward');
    const plain = x.slice();
    await fft2d(plain, [b, h, w], { direction: 'forward', backend: 'cpu' });
    expect(maxAbsDiff(plain, ref)).toBe(0);
    const shared = new Float32Array(new SharedArrayBuffer(4 * x.length));
    shared.set(x);
    const out = await fft2d(shared, [b, h, w], { direction: 'forward', backend: 'cpu' });
    expect(out).toBe(shared);
    expect(maxAbsDiff(shared, ref)).toBe(0);
    await fft2d(shared, [b, h, w], { direction: 'inverse', backend: 'cpu' });
    expect(relL2(shared, x)).toBeLessThan(1e-6);
    const status = await fftWorkerStatus();
    expect(status.error).toBeNull();
    if (availableParallelism() >= 2) expect(status.workers).toBeGreaterThanOrEqual(1);
  });

  it('keeps concurrent calls apart (they share one staging buffer)', async () => {
    const [b, h, w] = [24, 64, 128];
    const xs = [31, 32, 33].map((seed) => randomComplex(2 * b * h * w, seed));
    const outs = xs.map((x) => x.slice());
    await Promise.all(outs.map((y, i) => fft2d(y, [b, h, w], { direction: i === 1 ? 'inverse' : 'forward', backend: 'cpu' })));
    outs.forEach((y, i) => {
      const ref = xs[i].slice();
      fft2dCpu(ref, b, h, w, i === 1 ? 'inverse' : 'forward');
      expect(maxAbsDiff(y, ref)).toBe(0);
    });
  });

  it('honours an aborted signal', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(fft2d(new Float32Array(2 * 16 * 16), [1, 16, 16], { direction: 'forward', backend: 'cpu', signal: ctl.signal })).rejects.toThrow(/abort/i);
  });
});

describe('fftshift2d / ifftshift2d', () => {
  it('roll each axis by floor(n/2) (odd and even sizes) and invert each other', () => {
    for (const [h, w] of [[5, 6], [4, 7], [16, 32]]) {
      const b = 2;
      const x = randomComplex(2 * b * h * w, h * w);
      const s = fftshift2d(x, b, h, w);
      for (let f = 0; f < b; f++) {
        for (let y = 0; y < h; y++) {
          for (let xx = 0; xx < w; xx++) {
            const src = 2 * (f * h * w + y * w + xx);
            const dst = 2 * (f * h * w + ((y + Math.floor(h / 2)) % h) * w + ((xx + Math.floor(w / 2)) % w));
            expect([s[dst], s[dst + 1]]).toEqual([x[src], x[src + 1]]);
          }
        }
      }
      expect(ifftshift2d(s, b, h, w)).toEqual(x);
    }
  });

  it('moves zero frequency to the centre', () => {
    const d = new Float32Array(2 * 16 * 32);
    d[0] = 1;
    const s = fftshift2d(d, 1, 16, 32);
    expect(s[2 * (8 * 32 + 16)]).toBe(1);
  });
});

describe('FFT input errors', () => {
  it('names a size that is not a power of two', () => {
    expect(() => new CpuFft2d(100, 64)).toThrow(PtyxanesError);
    expect(() => new CpuFft2d(100, 64)).toThrow(/height.*power of two.*found 100/);
    expect(() => fft2dCpu(new Float32Array(2 * 64 * 48), 1, 64, 48, 'forward')).toThrow(/width.*power of two/);
  });

  it('names a size above the maximum or below the minimum', () => {
    expect(() => new CpuFft2d(2 * MAX_FFT_SIZE, 64)).toThrow(/height.*above the supported maximum.*found 8192/);
    expect(() => new CpuFft2d(64, 8)).toThrow(/width.*below the supported minimum/);
  });

  it('names a buffer length that does not match batch × H × W', async () => {
    expect(() => fft2dCpu(new Float32Array(2 * 16 * 16 * 3 - 2), 3, 16, 16, 'forward')).toThrow(/data.*batch × height × width.*expected 1536.*found 1534/);
    await expect(fft2d(new Float32Array(100), [1, 16, 16], { direction: 'forward', backend: 'cpu' })).rejects.toThrow(/expected 512.*found 100/);
    expect(() => new CpuFft2d(16, 16).transform(new Float32Array(512), 'forward', 2)).toThrow(/offset/);
  });

  it('names a bad direction', () => {
    expect(() => fft2dCpu(new Float32Array(512), 1, 16, 16, 'backward' as never)).toThrow(/direction.*found backward/);
  });
});

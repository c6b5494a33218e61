import { describe, expect, it } from 'vitest';
import { denoiseSpectra, symmetricEigen } from '../src/pipeline/spectral-denoise.ts';
import { smoothVolumes } from '../src/pipeline/smooth.ts';
import { renderCutaway } from '../src/pipeline/cutaway.ts';

describe('spectral denoising and smoothing of volume stacks', () => {
  it('symmetricEigen: A·v = λ·v for a random symmetric matrix', () => {
    const n = 6;
    const a = new Float64Array(n * n);
    let s = 1;
    const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rnd();
    const { values, vectors } = symmetricEigen(a, n);
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
        expect(av).toBeCloseTo(values[k] * vectors[i * n + k], 9);
      }
    }
  });

  it('keeps a rank-2 spectral signal and removes most independent noise', () => {
    const nE = 16;
    const nV = 2000;
    let s = 7;
    const gauss = () => {
      const u = (s = (s * 16807) % 2147483647) / 2147483647;
      const v = (s = (s * 16807) % 2147483647) / 2147483647;
      return Math.sqrt(-2 * Math.log(u + 1e-12)) * Math.cos(2 * Math.PI * v);
    };
    const clean = new Float32Array(nE * nV);
    const noisy = new Float32Array(nE * nV);
    for (let v = 0; v < nV; v++) {
      const amp = 1 + 0.5 * Math.sin(v / 50);
      const shift = Math.cos(v / 37);
      for (let e = 0; e < nE; e++) {
        const c = amp * (1 + 1 / (1 + Math.exp(-(e - 8 - shift)))) ;
        clean[e * nV + v] = c;
        noisy[e * nV + v] = c + 0.05 * gauss();
      }
    }
    const out = denoiseSpectra({ data: noisy, shape: [nE, nV] }, 3).data;
    let before = 0;
    let after = 0;
    for (let i = 0; i < clean.length; i++) {
      before += (noisy[i] - clean[i]) ** 2;
      after += (out[i] - clean[i]) ** 2;
    }
    expect(after).toBeLessThan(0.4 * before);
    // 0 components: untouched.
    expect(denoiseSpectra({ data: noisy, shape: [nE, nV] }, 0).data).toBe(noisy);
    // In place: the same numbers, written over the input, no new stack.
    const copy = Float32Array.from(noisy);
    const inPlace = denoiseSpectra({ data: copy, shape: [nE, nV] }, 3, undefined, true).data;
    expect(inPlace).toBe(copy);
    expect(Array.from(inPlace)).toEqual(Array.from(out));
  });

  it('smoothVolumes keeps a constant volume and the sum of an impulse', () => {
    const v = new Float32Array(2 * 5 * 6 * 7).fill(3);
    const out = smoothVolumes({ data: v, shape: [2, 5, 6, 7] }, 0.8).data;
    for (const x of out) expect(x).toBeCloseTo(3, 5);
    const imp = new Float32Array(9 * 9 * 9);
    imp[4 * 81 + 4 * 9 + 4] = 1;
    const o2 = smoothVolumes({ data: imp, shape: [9, 9, 9] }, 0.8).data;
    expect(o2.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(o2[4 * 81 + 4 * 9 + 4]).toBeLessThan(0.5);
  });

  it('renderCutaway: a ball with its facing quarter cut away shows its inside at the centre', () => {
    const n = 21;
    const data = new Float32Array(n * n * n).fill(NaN);
    const c = (n - 1) / 2;
    for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
      const r = Math.hypot(x - c, y - c, z - c);
      if (r <= 8) data[(z * n + y) * n + x] = r < 4 ? 3 : 2; // a 3+ core in a 2+ shell
    }
    const out = renderCutaway({ data, shape: [n, n, n] }, { raysPerVoxel: 2 });
    const mid = Math.floor(out.size / 2);
    // The central ray enters the cut and meets the core on the cut face.
    expect(out.values[mid * out.size + mid]).toBe(3);
    // Corners see nothing; the ball's outline is there.
    expect(Number.isNaN(out.values[0])).toBe(true);
    expect(Array.from(out.values).filter((v) => v === 2).length).toBeGreaterThan(100);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { CpuFft3d, registerVolumes, shiftVolume, smoothRandomVolume } from '../src/register/index.ts';
import { gaussianRandom, seededRandom } from '../src/register/synthetic.ts';
import { setBackendWarningSink } from '../src/gpu/index.ts';
import { PtyxanesError } from '../src/core/errors.ts';
import type { RealArray } from '../src/core/arrays.ts';

/** Integer circular shift: out[z, y, x] = in[z − dz, y − dy, x − dx] (numpy.roll). */
function roll(v: RealArray, dz: number, dy: number, dx: number): RealArray {
  const [nz, ny, nx] = v.shape;
  const m = (a: number, n: number) => ((a % n) + n) % n;
  const out = new Float32Array(nz * ny * nx);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) out[(z * ny + y) * nx + x] = v.data[(m(z - dz, nz) * ny + m(y - dy, ny)) * nx + m(x - dx, nx)];
  return { data: out, shape: [nz, ny, nx] };
}

/** Central n³ crop: a field of view that is not periodic, like a reconstructed volume. */
function crop(v: RealArray, n: number): RealArray {
  const [bz, by, bx] = v.shape;
  const [oz, oy, ox] = [(bz - n) >> 1, (by - n) >> 1, (bx - n) >> 1];
  const out = new Float32Array(n * n * n);
  for (let z = 0; z < n; z++) for (let y = 0; y < n; y++) out.set(v.data.subarray(((z + oz) * by + y + oy) * bx + ox, ((z + oz) * by + y + oy) * bx + ox + n), (z * n + y) * n);
  return { data: out, shape: [n, n, n] };
}

/** A 64³ periodic texture (σ = 2 voxels); the reference is its central 40³ crop, the moving ones crops of shifted copies. */
const big = smoothRandomVolume(64, 64, 64, 2, 11);
const reference = crop(big, 40);
const rand = seededRandom(4);
const applied = Array.from({ length: 4 }, () => [0, 0, 0].map(() => (2 * rand() - 1) * 5));
const moving = applied.map(([a, b, c]) => crop(shiftVolume(big, a, b, c), 40));

function maxError(shifts: Float64Array, truth: number[][]): number {
  let e = 0;
  truth.forEach((t, i) => t.forEach((v, a) => (e = Math.max(e, Math.abs(shifts[3 * i + a] + v)))));
  return e;
}

afterEach(() => setBackendWarningSink((line) => console.warn(line)));

describe('CpuFft3d', () => {
  it('equals the direct 3D DFT (numpy normalisation) and inverts', () => {
    const [nz, ny, nx] = [4, 16, 16];
    const r = seededRandom(1);
    const data = Float32Array.from({ length: 2 * nz * ny * nx }, () => r() - 0.5);
    const orig = data.slice();
    const fft = new CpuFft3d(nz, ny, nx);
    fft.transform(data, 'forward');
    for (const [kz, ky, kx] of [[0, 0, 0], [1, 2, 3], [3, 15, 7], [2, 8, 8]]) {
      let re = 0;
      let im = 0;
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            const ph = -2 * Math.PI * ((kz * z) / nz + (ky * y) / ny + (kx * x) / nx);
            const i = 2 * ((z * ny + y) * nx + x);
            re += orig[i] * Math.cos(ph) - orig[i + 1] * Math.sin(ph);
            im += orig[i] * Math.sin(ph) + orig[i + 1] * Math.cos(ph);
          }
      const i = 2 * ((kz * ny + ky) * nx + kx);
      expect(Math.abs(data[i] - re)).toBeLessThan(1e-4);
      expect(Math.abs(data[i + 1] - im)).toBeLessThan(1e-4);
    }
    fft.transform(data, 'inverse');
    for (let i = 0; i < data.length; i++) expect(Math.abs(data[i] - orig[i])).toBeLessThan(1e-6);
  });

  it('the shortcuts (zero planes skipped, Hermitian inverse) give the full transforms', () => {
    const [nz, ny, nx] = [8, 16, 16];
    const r = seededRandom(2);
    // A real volume in the first 5 planes, zero after (as zero padding).
    const real = Float32Array.from({ length: 2 * nz * ny * nx }, (_, i) => (i % 2 === 0 && i < 2 * 5 * ny * nx ? r() - 0.5 : 0));
    const fft = new CpuFft3d(nz, ny, nx);
    const full = real.slice();
    fft.transform(full, 'forward');
    const skipped = real.slice();
    fft.transform(skipped, 'forward', { zeroFrom: 5 });
    expect(Array.from(skipped)).toEqual(Array.from(full));
    const back = full.slice();
    fft.transform(back, 'inverse', { hermitian: true });
    for (let i = 0; i < back.length; i++) expect(Math.abs(back[i] - real[i])).toBeLessThan(1e-6);
  });
});

describe('registerVolumes', () => {
  it('returns the shift that moves the moving volume onto the reference (scikit-image sign)', async () => {
    const ref = smoothRandomVolume(16, 32, 32, 2, 3);
    // Content moved by (+2, −3, +5): registering it back needs (−2, +3, −5).
    const r = await registerVolumes(ref, roll(ref, 2, -3, 5), { upsampleFactor: 1, window: 'none', overlapPasses: 0 });
    expect(Array.from(r.shifts)).toEqual([-2, 3, -5]);
    expect(r.errors[0]).toBeLessThan(1e-3);
    // Subpixel, periodic: exact up to the 1/20 grid, and shiftVolume by the result lands it back.
    const mov = shiftVolume(ref, 1.3, -0.45, 2.8);
    const s = (await registerVolumes(ref, mov, { window: 'none', overlapPasses: 0 })).shifts;
    expect(maxError(s, [[1.3, -0.45, 2.8]])).toBeLessThan(0.026);
    const back = shiftVolume(mov, s[0], s[1], s[2]);
    let rms = 0;
    for (let i = 0; i < back.data.length; i++) rms += (back.data[i] - ref.data[i]) ** 2;
    expect(Math.sqrt(rms / back.data.length)).toBeLessThan(0.05);
  });

  it('recovers subpixel shifts up to ±5 voxels of cropped 40³ volumes within 0.05 voxel, noise-free', async () => {
    const r = await registerVolumes(reference, moving);
    expect(maxError(r.shifts, applied)).toBeLessThan(0.05);
    for (const e of r.errors) expect(e).toBeLessThan(0.05);
    // The sign against shiftVolume on non-periodic data: the moved-back volume matches inside.
    const back = shiftVolume(moving[0], r.shifts[0], r.shifts[1], r.shifts[2], { method: 'linear' });
    let rms = 0;
    let count = 0;
    for (let z = 8; z < 32; z++)
      for (let y = 8; y < 32; y++)
        for (let x = 8; x < 32; x++) {
          const i = (z * 40 + y) * 40 + x;
          rms += (back.data[i] - reference.data[i]) ** 2;
          count++;
        }
    expect(Math.sqrt(rms / count)).toBeLessThan(0.1);
  });

  it('the first pass alone is pulled towards zero by the fixed window; the overlap passes remove it', async () => {
    const one = await registerVolumes(reference, moving.slice(0, 2), { overlapPasses: 0 });
    expect(maxError(one.shifts, applied.slice(0, 2))).toBeGreaterThan(0.1);
  });

  it('stays within 0.2 voxel with noise (σ = 0.5 of the texture std) on both volumes', async () => {
    const g = gaussianRandom(seededRandom(8));
    const noisy = (v: RealArray): RealArray => ({ data: v.data.map((x) => x + 0.5 * g()), shape: v.shape });
    const r = await registerVolumes(noisy(reference), moving.map(noisy));
    expect(maxError(r.shifts, applied)).toBeLessThan(0.2);
  });

  it("'phase': identical volumes peak at 1 with zero error; a [n, nz, ny, nx] stack equals the list", async () => {
    const same = await registerVolumes(reference, reference, { normalization: 'phase' });
    expect(Array.from(same.shifts)).toEqual([0, 0, 0]);
    expect(same.peaks[0]).toBeGreaterThan(0.9);
    expect(same.errors[0]).toBeLessThan(1e-3);
    const stack = new Float32Array(2 * 40 ** 3);
    stack.set(moving[0].data);
    stack.set(moving[1].data, 40 ** 3);
    const a = await registerVolumes(reference, { data: stack, shape: [2, 40, 40, 40] }, { overlapPasses: 0 });
    const b = await registerVolumes(reference, moving.slice(0, 2), { overlapPasses: 0 });
    expect(Array.from(a.shifts)).toEqual(Array.from(b.shifts));
  });

  it('handles non-cubic volumes and a single slice (the overlap passes skip an axis of one sample)', async () => {
    const tex = smoothRandomVolume(32, 48, 64, 1.5, 6);
    const box = (v: RealArray, [cz, cy, cx]: number[]): RealArray => {
      const out = new Float32Array(cz * cy * cx);
      for (let z = 0; z < cz; z++) for (let y = 0; y < cy; y++) for (let x = 0; x < cx; x++) out[(z * cy + y) * cx + x] = v.data[((z + 8) * 48 + y + 8) * 64 + x + 8];
      return { data: out, shape: [cz, cy, cx] };
    };
    for (const [shape, s] of [[[17, 20, 44], [-3.1, 0.6, 4.2]], [[1, 32, 32], [0, 1.5, -2.25]]]) {
      const r = await registerVolumes(box(tex, shape), box(shiftVolume(tex, s[0], s[1], s[2]), shape));
      expect(maxError(r.shifts, [s])).toBeLessThan(0.06);
    }
  });

  it('ignores voxels outside the mask, NaN included (a slab of one volume; the reconstruction cylinder of both)', async () => {
    const mask = new Uint8Array(40 ** 3).fill(1);
    const mov = { data: moving[2].data.slice(), shape: [40, 40, 40] };
    for (let i = 0; i < 40 * 40 * 6; i++) {
      mask[i] = 0;
      mov.data[i] = NaN;
    }
    const r = await registerVolumes(reference, mov, { mask: { moving: mask } });
    expect(maxError(r.shifts, [applied[2]])).toBeLessThan(0.05);
    // Tomography: both volumes hold data only inside the reconstruction cylinder (NaN outside).
    const cyl = new Uint8Array(40 ** 3);
    for (let i = 0; i < cyl.length; i++) cyl[i] = ((Math.floor(i / 40) % 40) - 19.5) ** 2 + ((i % 40) - 19.5) ** 2 <= 18 ** 2 ? 1 : 0;
    const cut = (v: RealArray): RealArray => ({ data: v.data.map((a, i) => (cyl[i] ? a : NaN)), shape: v.shape });
    const c = await registerVolumes(cut(reference), moving.slice(0, 2).map(cut), { mask: cyl });
    expect(maxError(c.shifts, applied.slice(0, 2))).toBeLessThan(0.05);
  });

  it("backend 'gpu' runs the CPU path with one warning line, never silently", async () => {
    const lines: string[] = [];
    setBackendWarningSink((l) => lines.push(l));
    const r = await registerVolumes(reference, moving[0], { backend: 'gpu', overlapPasses: 0, upsampleFactor: 1 });
    expect(r.shifts.length).toBe(3);
    expect(lines.join('\n')).toMatch(/registerVolumes.*no GPU path/);
  });

  it('rejects bad input with one line naming the field', async () => {
    const bad = async (p: Promise<unknown>, re: RegExp) => {
      const e = await p.then(() => null, (x: unknown) => x);
      expect(e).toBeInstanceOf(PtyxanesError);
      expect((e as Error).message).toMatch(re);
      expect((e as Error).message).not.toContain('\n');
    };
    await bad(registerVolumes(reference, crop(big, 32)), /moving: reference and moving volumes differ in shape \(expected \[40, 40, 40\].*found \[32, 32, 32\]/);
    await bad(registerVolumes({ data: new Float32Array(64), shape: [8, 8] }, moving[0]), /reference: not a 3D volume/);
    const nan = { data: moving[1].data.slice(), shape: [40, 40, 40] };
    nan.data[(3 * 40 + 4) * 40 + 5] = NaN;
    await bad(registerVolumes(reference, [moving[0], nan]), /moving\[1\]: non-finite voxel value.*NaN at z 3, y 4, x 5/);
    await bad(registerVolumes(reference, { data: new Float32Array(10), shape: [40, 40, 40] }), /moving: data length does not match shape/);
    await bad(registerVolumes(reference, moving[0], { upsampleFactor: 500 }), /upsampleFactor.*1\.\.100/);
    await bad(registerVolumes(reference, moving[0], { mask: new Uint8Array(5) }), /mask.reference: mask length/);
    await expect(registerVolumes(reference, moving[0], { backend: 'tpu' as never })).rejects.toThrow(/backend must be/);
    const ac = new AbortController();
    ac.abort();
    await expect(registerVolumes(reference, moving[0], { signal: ac.signal })).rejects.toThrow(/abort/i);
  });
});

describe('shiftVolume', () => {
  const v = smoothRandomVolume(12, 16, 20, 1.5, 2);
  it('integer shifts: Fourier equals numpy.roll; linear equals it inside, NaN (or fill) outside', () => {
    const f = shiftVolume(v, 2, -1, 3);
    const r = roll(v, 2, -1, 3);
    for (let i = 0; i < f.data.length; i++) expect(Math.abs(f.data[i] - r.data[i])).toBeLessThan(1e-4);
    const l = shiftVolume(v, 2, -1, 3, { method: 'linear' });
    const filled = shiftVolume(v, 2, -1, 3, { method: 'linear', fill: 0 });
    const ff = shiftVolume(v, 2, -1, 3, { fill: -7 });
    for (let z = 0; z < 12; z++)
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 20; x++) {
          const i = (z * 16 + y) * 20 + x;
          const inside = z >= 2 && y <= 14 && x >= 3;
          if (inside) {
            expect(l.data[i]).toBeCloseTo(r.data[i], 5);
            expect(ff.data[i]).toBeCloseTo(r.data[i], 4);
          } else {
            expect(l.data[i]).toBeNaN();
            expect(filled.data[i]).toBe(0);
            expect(ff.data[i]).toBe(-7);
          }
        }
  });

  it('subpixel: linear, cubic and Fourier agree inside on a smooth volume; Fourier shifts back exactly', () => {
    const s = [0.4, -1.3, 0.75] as const;
    const f = shiftVolume(v, ...s);
    const l = shiftVolume(v, ...s, { method: 'linear' });
    const c = shiftVolume(v, ...s, { method: 'cubic' });
    let el = 0;
    let ec = 0;
    for (let z = 2; z < 10; z++)
      for (let y = 3; y < 13; y++)
        for (let x = 2; x < 18; x++) {
          const i = (z * 16 + y) * 20 + x;
          el = Math.max(el, Math.abs(l.data[i] - f.data[i]));
          ec = Math.max(ec, Math.abs(c.data[i] - f.data[i]));
        }
    expect(ec).toBeLessThan(el);
    expect(el).toBeLessThan(0.5);
    const back = shiftVolume(f, -s[0], -s[1], -s[2]);
    for (let i = 0; i < v.data.length; i++) expect(Math.abs(back.data[i] - v.data[i])).toBeLessThan(1e-3);
  });

  it('rejects bad input', () => {
    expect(() => shiftVolume({ data: new Float32Array(4), shape: [2, 2] }, 1, 1, 1)).toThrow(/volume: not a 3D volume/);
    expect(() => shiftVolume(v, NaN, 0, 0)).toThrow(/shift must be finite/);
    expect(() => shiftVolume(v, 1, 0, 0, { method: 'spline' as never })).toThrow(/unknown shift method/);
  });
});

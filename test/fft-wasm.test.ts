import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuFft2d, WasmFft2d, bitReversedIndex, useJavaScriptCpuFft, wasmFftAvailable } from '../src/fft/index.ts';
import { makeSyntheticPtycho, reconstructEpie } from '../src/ptycho/index.ts';
import { FFT_SIMD_WASM_BASE64 } from '../src/fft/wasm/fft-simd.wasm.ts';
import { modulusDelta } from '../src/ptycho/kernels.cpu.ts';
import { fftJs2d, randomComplex, relL2 } from './helpers/fft.ts';
import { roughObject } from './helpers/ptycho.ts';

const root = join(import.meta.dirname, '..');
const haveClang = spawnSync('clang-16', ['--version']).status === 0 && spawnSync('wasm-ld-16', ['--version']).status === 0;
// CI installs the toolchain (.ci/run sets WITH_WASM_TOOLCHAIN=1): there the rebuild check must run.
const requireToolchain = process.env.WITH_WASM_TOOLCHAIN === '1';

describe('WebAssembly SIMD FFT', () => {
  it('is available in this Node and is what CpuFft2d runs by default', () => {
    expect(wasmFftAvailable()).toBe(true);
    expect(new CpuFft2d(64, 64).engine).toBe('wasm');
    expect(new CpuFft2d(64, 64, 'js').engine).toBe('js');
  });

  it('matches fft.js (the reference twin), forward and inverse, square and not, odd and even log₂', () => {
    for (const [h, w] of [[16, 16], [32, 64], [128, 16], [16, 128], [128, 128], [256, 256], [64, 512]]) {
      const x = randomComplex(2 * h * w, 3 * h + w);
      const plan = new WasmFft2d(h, w);
      for (const inverse of [false, true]) {
        const y = Float32Array.from(x);
        plan.transform(y, inverse);
        // float32 arithmetic: ~1e-7 relative (fft.js runs in float64).
        expect(relL2(y, fftJs2d(x, h, w, inverse))).toBeLessThan(1e-6);
      }
    }
  });

  it('scrambled pair: forward leaves both axes bit-reversed, inverse returns natural order unnormalised', () => {
    for (const [h, w] of [[16, 32], [128, 128], [256, 64]]) {
      const x = randomComplex(2 * h * w, h - w + 99);
      const plan = new WasmFft2d(h, w, 2);
      const f = plan.frame(1);
      f.set(x);
      plan.scrambledForward(1);
      const map = bitReversedIndex(h, w);
      const natural = new Float32Array(2 * h * w);
      for (let i = 0; i < h * w; i++) {
        natural[2 * map[i]] = f[2 * i];
        natural[2 * map[i] + 1] = f[2 * i + 1];
      }
      expect(relL2(natural, fftJs2d(x, h, w, false))).toBeLessThan(1e-6);
      plan.scrambledInverse(1);
      expect(relL2(Float32Array.from(f, (v) => v / (h * w)), x)).toBeLessThan(1e-6);
      expect(plan.frame(0).every((v) => v === 0)).toBe(true); // the other buffer untouched
    }
  });

  it('CpuFft2d on the SIMD kernel agrees with the JavaScript radix-4 it falls back to', () => {
    const [h, w] = [128, 256];
    const x = randomComplex(3 * 2 * h * w, 5);
    const a = x.slice();
    const b = x.slice();
    new CpuFft2d(h, w, 'wasm').transformBatch(a, 'forward', 3);
    new CpuFft2d(h, w, 'js').transformBatch(b, 'forward', 3);
    expect(relL2(a, b)).toBeLessThan(1e-6);
    new CpuFft2d(h, w, 'wasm').transform(a, 'inverse', 2 * h * w);
    expect(relL2(a.subarray(2 * h * w, 4 * h * w), x.subarray(2 * h * w, 4 * h * w))).toBeLessThan(1e-6);
  });

  it('fused modulus constraint equals the JavaScript twin (masked pixels, zero waves, error sums)', () => {
    const [h, w] = [32, 64];
    const n = h * w;
    const x = randomComplex(2 * n, 21);
    x[10] = 0;
    x[11] = 0; // |Ψ| = 0 at pixel 5
    const amp = Float32Array.from(randomComplex(n + 7, 22), (v, i) => (i % 13 === 0 ? -1 : Math.abs(v) * 3));
    const plan = new WasmFft2d(h, w);
    plan.frame(0).set(x);
    const errW = new Float64Array([0.5, 0.25]);
    plan.modulusDelta(0, amp, 7, errW);
    const ref = Float64Array.from(x);
    const errJ = new Float64Array([0.5, 0.25]);
    modulusDelta(ref, 1, n, amp, 7, errJ);
    expect(relL2(plan.frame(0), ref)).toBeLessThan(1e-6);
    expect(plan.frame(0)[10]).toBe(0);
    expect(errW[0]).toBeCloseTo(errJ[0], 4);
    expect(errW[1]).toBeCloseTo(errJ[1], 4);
    expect(errW[0]).toBeGreaterThan(1);
  });

  it("ePIE's CPU engines give the same reconstruction on the JavaScript fallback (float64 waves) as on the SIMD kernel", async () => {
    const d = makeSyntheticPtycho({ n: 32, scanX: 6, scanY: 6, seed: 31 });
    // Sequential mPIE and plain ePIE run their exit wave and update inside the module too.
    for (const [mode, engine] of [['sequential', 'mpie'], ['sequential', 'epie'], ['parallel', 'epie']] as const) {
      // A rough start object, as in the GPU/CPU agreement tests (roughObject's note).
      const o = { backend: 'cpu' as const, mode, engine, iterations: 3, probeInit: d.probe, objectInit: roughObject(d), seed: 2, threads: 1, batchSize: 8 };
      const simd = await reconstructEpie(d.source, o);
      useJavaScriptCpuFft(true);
      let js;
      try {
        expect(new CpuFft2d(32, 32).engine).toBe('js');
        js = await reconstructEpie(d.source, o);
      } finally {
        useJavaScriptCpuFft(false);
      }
      expect(relL2(simd.object.data, js.object.data), mode).toBeLessThan(1e-4);
      expect(relL2(simd.probe.data, js.probe.data), mode).toBeLessThan(1e-4);
      for (let i = 0; i < 3; i++) expect(Math.abs(simd.errors[i] / js.errors[i] - 1), `${mode} error ${i}`).toBeLessThan(1e-4);
    }
  });

  it('the embedded base64 module is the committed .wasm', () => {
    const committed = readFileSync(join(root, 'src/fft/wasm/fft-simd.wasm'));
    expect(Buffer.from(FFT_SIMD_WASM_BASE64, 'base64').equals(committed)).toBe(true);
  });

  it.runIf(haveClang || requireToolchain)('the committed .wasm and its embedded copy equal a fresh build of fft-simd.c (clang-16, lld-16)', () => {
    const out = mkdtempSync(join(tmpdir(), 'ptyxanes-wasm-'));
    try {
      execFileSync('bash', [join(root, 'scripts/build-wasm.sh'), out], { stdio: 'pipe' });
      expect(readFileSync(join(out, 'fft-simd.wasm')).equals(readFileSync(join(root, 'src/fft/wasm/fft-simd.wasm')))).toBe(true);
      expect(readFileSync(join(out, 'fft-simd.wasm.ts'), 'utf8')).toBe(readFileSync(join(root, 'src/fft/wasm/fft-simd.wasm.ts'), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

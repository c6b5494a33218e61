/**
 * The CPU fast path: a 2D complex FFT in WebAssembly with 128-bit SIMD (src/fft/wasm/fft-simd.c,
 * built by scripts/build-wasm.sh, embedded as base64 so Node, worker threads and a browser
 * bundle instantiate it synchronously, without a file lookup). float32 throughout, like the
 * GPU path; the JavaScript radix-4 (radix4.ts, float64) is the fallback where WebAssembly
 * SIMD is missing or PTYXANES_CPU_FFT=js asks for it. fft.js stays the reference in tests.
 *
 * Each plan owns one instance with its own memory: the tables for its size, then `frames`
 * frame buffers the caller may fill in place through `frame(i)` (no copy in or out).
 * Why WebAssembly: the JavaScript radix-4 runs one complex value per operation; SIMD runs
 * two, and the compiled loops carry no bounds checks (BENCHMARKS.md, FFT).
 */
import { FFT_SIMD_WASM_BASE64 } from './wasm/fft-simd.wasm.ts';
import { bitReverseTable } from './radix4.ts';
import { checkFftSize } from './validate.ts';

interface FftExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  fft2d(x: number, h: number, w: number, revH: number, revW: number, twH: number, ltW: number, inv: number, s: number): void;
  fft2dScrambledForward(x: number, h: number, w: number, twH: number, ltW: number): void;
  fft2dScrambledInverse(x: number, h: number, w: number, twH: number, ltW: number): void;
  scale(x: number, count: number, s: number): void;
  modulusDelta(x: number, amp: number, n: number, out: number): void;
  rampMultiply(x: number, h: number, w: number, rx: number, ry: number, s: number): void;
  exitWave(probe: number, obj: number, objW: number, ix: number, iy: number, h: number, w: number, psi: number, out: number): void;
  updateRpie(dpsi: number, probe: number, obj: number, objW: number, ix: number, iy: number, h: number, w: number, a: number, gO: number, maxP: number, b: number, gP: number, maxO: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function envChoice(): string | undefined {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  return g.process?.env?.PTYXANES_CPU_FFT;
}

/**
 * The compiled module, or null where WebAssembly SIMD is unavailable (or PTYXANES_CPU_FFT=js).
 * Synchronous; a browser main thread that refuses synchronous compilation of this size gets null too.
 */
export function wasmFftModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (envChoice() === 'js' || typeof WebAssembly === 'undefined') return null;
  try {
    const bytes = decodeBase64(FFT_SIMD_WASM_BASE64);
    if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

let forcedJs = false;

/**
 * Whether new CpuFft2d plans and the ePIE/registration CPU paths run the WebAssembly SIMD FFT.
 * `useJavaScriptCpuFft(true)` turns it off for plans made afterwards (tests of the fallback;
 * PTYXANES_CPU_FFT=js does the same for a whole process).
 */
export function wasmFftAvailable(): boolean {
  return !forcedJs && wasmFftModule() !== null;
}

export function useJavaScriptCpuFft(on: boolean): void {
  forcedJs = on;
}

// Tables per size and sign, built once per process (plans are made per call in places).
const tableCache = new Map<string, Float32Array | Int32Array>();
function cached<T extends Float32Array | Int32Array>(key: string, make: () => T): T {
  let t = tableCache.get(key) as T | undefined;
  if (!t) tableCache.set(key, (t = make()));
  return t;
}

/** Line-stage twiddle vectors of lineDit/lineDif (see fft-simd.c): 8·m floats per stage m = n/4, n/16, … ≥ 2. */
function lineTable(n: number, sign: 1 | -1): Float32Array {
  const parts: number[] = [];
  const w = (j: number, len: number) => [Math.cos((sign * 2 * Math.PI * j) / len), Math.sin((sign * 2 * Math.PI * j) / len)];
  for (let m = n >> 2; m >= 2; m >>= 2) {
    for (let k = 0; k < m; k += 2) {
      const [a1, b1] = w(k, 2 * m);
      const [a1n, b1n] = w(k + 1, 2 * m);
      const [a2, b2] = w(k, 4 * m);
      const [a2n, b2n] = w(k + 1, 4 * m);
      parts.push(a1, a1, a1n, a1n, -b1, b1, -b1n, b1n, a2, a2, a2n, a2n, -b2, b2, -b2n, b2n);
    }
  }
  return Float32Array.from(parts);
}

function columnTable(n: number, sign: 1 | -1): Float32Array {
  const t = new Float32Array(2 * n);
  for (let j = 0; j < n; j++) {
    t[2 * j] = Math.cos((sign * 2 * Math.PI * j) / n);
    t[2 * j + 1] = Math.sin((sign * 2 * Math.PI * j) / n);
  }
  return t;
}

/** A plan for h×w frames with `frames` buffers inside its own WebAssembly memory. */
export class WasmFft2d {
  readonly frameFloats: number;
  private readonly ex: FftExports;
  private readonly revH: number;
  private readonly revW: number;
  private readonly twH: [number, number];
  private readonly ltW: [number, number];
  private readonly framePtr: number[] = [];
  private readonly views: Float32Array[] = [];
  private readonly ampPtr: number;
  private readonly amp: Float32Array;
  private readonly sumsPtr: number;
  private readonly sums: Float64Array;
  private readonly rampPtr: [number, number];
  private readonly ramp: [Float64Array, Float64Array];
  private readonly rev: [Int32Array, Int32Array];

  private readonly extras: Float32Array[] = [];

  /**
   * Throws when WebAssembly SIMD is unavailable: check wasmFftAvailable() first.
   * `extraFloats`: sizes of further float32 arrays placed in the plan's memory (`extra(i)`),
   * for callers whose kernels run here too (ePIE's object and probe).
   */
  constructor(readonly height: number, readonly width: number, readonly frames = 1, extraFloats: number[] = []) {
    checkFftSize(height, 'height');
    checkFftSize(width, 'width');
    const mod = wasmFftModule();
    if (!mod) throw new Error('WebAssembly SIMD FFT unavailable');
    this.ex = new WebAssembly.Instance(mod, {}).exports as unknown as FftExports;
    const mem = this.ex.memory;
    let top = ((this.ex.__heap_base.value as number) + 15) & ~15;
    const place = (bytes: number) => {
      const at = top;
      top = (top + bytes + 15) & ~15;
      return at;
    };
    const tables: [number, Int32Array | Float32Array][] = [];
    const put = (a: Int32Array | Float32Array) => {
      const at = place(4 * a.length);
      tables.push([at, a]);
      return at;
    };
    this.rev = [cached(`rev${width}`, () => bitReverseTable(width)), cached(`rev${height}`, () => bitReverseTable(height))];
    this.revW = put(this.rev[0]);
    this.revH = put(this.rev[1]);
    this.twH = [put(cached(`col${height}-`, () => columnTable(height, -1))), put(cached(`col${height}+`, () => columnTable(height, 1)))];
    this.ltW = [put(cached(`line${width}-`, () => lineTable(width, -1))), put(cached(`line${width}+`, () => lineTable(width, 1)))];
    this.frameFloats = 2 * height * width;
    for (let i = 0; i < frames; i++) this.framePtr.push(place(4 * this.frameFloats));
    this.ampPtr = place(4 * height * width);
    this.sumsPtr = place(16);
    this.rampPtr = [place(16 * width), place(16 * height)];
    const extraPtr = extraFloats.map((n) => place(4 * n));
    const need = Math.ceil(top / 65536) - mem.buffer.byteLength / 65536;
    if (need > 0) mem.grow(need);
    for (const [at, a] of tables) {
      if (a instanceof Int32Array) new Int32Array(mem.buffer, at, a.length).set(a);
      else new Float32Array(mem.buffer, at, a.length).set(a);
    }
    for (const p of this.framePtr) this.views.push(new Float32Array(mem.buffer, p, this.frameFloats));
    this.amp = new Float32Array(mem.buffer, this.ampPtr, height * width);
    this.sums = new Float64Array(mem.buffer, this.sumsPtr, 2);
    this.ramp = [new Float64Array(mem.buffer, this.rampPtr[0], 2 * width), new Float64Array(mem.buffer, this.rampPtr[1], 2 * height)];
    for (let i = 0; i < extraFloats.length; i++) this.extras.push(new Float32Array(mem.buffer, extraPtr[i], extraFloats[i]));
  }

  /** Extra array i (see the constructor), a view into the plan's memory. */
  extra(i: number): Float32Array {
    return this.extras[i];
  }

  private ptr(view: Float32Array): number {
    if (view.buffer !== this.ex.memory.buffer) throw new Error('WasmFft2d: array not in this plan\'s memory');
    return view.byteOffset;
  }

  /**
   * ePIE's exit wave for one mode: frame i ← P·O over the h×w window of `obj` (row stride
   * objW complex) at (ix, iy); maxOut[0] = max|P|², maxOut[1] = max|O|². `probe` and `obj`
   * are extra arrays of this plan (kernels.cpu.ts exitWave is the JavaScript twin).
   */
  exitWave(probe: Float32Array, obj: Float32Array, objW: number, ix: number, iy: number, i: number, maxOut: Float64Array): void {
    this.ex.exitWave(this.ptr(probe), this.ptr(obj), objW, ix, iy, this.height, this.width, this.framePtr[i], this.sumsPtr);
    maxOut[0] = this.sums[0];
    maxOut[1] = this.sums[1];
  }

  /** ePIE/rPIE update for one mode from Δψ in frame i (kernels-rpie.cpu.ts updateSequentialRpie, K = 1, is the twin). */
  updateRpie(i: number, probe: Float32Array, obj: Float32Array, objW: number, ix: number, iy: number, a: number, gO: number, maxP: number, b: number, gP: number, maxO: number): void {
    this.ex.updateRpie(this.framePtr[i], this.ptr(probe), this.ptr(obj), objW, ix, iy, this.height, this.width, a, gO, maxP, b, gP, maxO);
  }

  /** All frame buffers as one array (they are contiguous): frame i starts at i·frameFloats. */
  frameBlock(): Float32Array {
    return new Float32Array(this.ex.memory.buffer, this.framePtr[0], this.frames * this.frameFloats);
  }

  /** Frame buffer i (interleaved complex float32, h×w), a view into the plan's memory. */
  frame(i = 0): Float32Array {
    return this.views[i];
  }

  /** Natural order in and out, in place on frame i; forward unnormalised, inverse × 1/(h·w) unless `scale` is given. */
  run(i: number, inverse: boolean, scale = inverse ? 1 / (this.height * this.width) : 1): void {
    const d = inverse ? 1 : 0;
    this.ex.fft2d(this.framePtr[i], this.height, this.width, this.revH, this.revW, this.twH[d], this.ltW[d], d, scale);
  }

  /** Natural → bit-reversed on both axes, unnormalised (ScrambledFft2d's order). */
  scrambledForward(i = 0): void {
    this.ex.fft2dScrambledForward(this.framePtr[i], this.height, this.width, this.twH[0], this.ltW[0]);
  }

  /** Bit-reversed → natural, unnormalised (h·w × the true inverse). */
  scrambledInverse(i = 0): void {
    this.ex.fft2dScrambledInverse(this.framePtr[i], this.height, this.width, this.twH[1], this.ltW[1]);
  }

  /**
   * Fourier modulus constraint on frame i in place, as the change it makes: Ψ ← Ψ·(a/|Ψ| − 1)
   * with a = amp[aOff + pixel] (a < 0: masked, Ψ ← 0); adds Σ(|Ψ| − a)² and Σ a² over valid
   * pixels to errOut[0], [1]. The pixels of `amp` in the frame's order (natural or bit-reversed).
   */
  modulusDelta(i: number, amp: Float32Array, aOff: number, errOut: Float64Array): void {
    const n = this.height * this.width;
    this.amp.set(amp.subarray(aOff, aOff + n));
    this.sums[0] = 0;
    this.sums[1] = 0;
    this.ex.modulusDelta(this.framePtr[i], this.ampPtr, n, this.sumsPtr);
    errOut[0] += this.sums[0];
    errOut[1] += this.sums[1];
  }

  /**
   * Frame i ← frame i · ry[row]·rx[col] · scale: a separable phase ramp (a Fourier shift),
   * rx (w) and ry (h) interleaved complex in natural order; `bitReversed`: the frame is in
   * the scrambled order (scrambledForward's output).
   */
  rampMultiply(i: number, rx: Float64Array, ry: Float64Array, bitReversed: boolean, scale = 1): void {
    const tabs = [rx, ry];
    for (let a = 0; a < 2; a++) {
      const t = tabs[a];
      const dst = this.ramp[a];
      const rev = this.rev[a];
      for (let j = 0; j < rev.length; j++) {
        const q = bitReversed ? rev[j] : j;
        dst[2 * j] = t[2 * q];
        dst[2 * j + 1] = t[2 * q + 1];
      }
    }
    this.ex.rampMultiply(this.framePtr[i], this.height, this.width, this.rampPtr[0], this.rampPtr[1], scale);
  }

  /** Copies a frame at float offset `offset` of `data` through buffer 0 and back. */
  transform(data: Float32Array, inverse: boolean, offset = 0): void {
    const f = this.views[0];
    const n = this.frameFloats;
    f.set(data.subarray(offset, offset + n));
    this.run(0, inverse);
    data.set(f, offset);
  }
}

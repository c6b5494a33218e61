/**
 * CXI / HDF5 ptychography readers: our own layout (cxi.ts) and foreign ones (other CXI
 * writers, PtyPy-style files). Each entry becomes a FrameSource that reads blocks of
 * frames through HDF5 slicing (never the whole dataset) and converts them to float32.
 * Units are converted once, here; positions become ptyxanes probe positions (m).
 * Node-free: it works on an open h5wasm file, so the browser page reads a dropped file with
 * the same code; cxi-open.ts opens files from the host filesystem for Node.
 */
import { PtyxanesError } from '../core/errors.ts';
import type { FrameSource, ScanGeometry } from '../core/frames.ts';
import { dtypeName, getDataset, getGroup, stringAttr, toNumbers } from './h5-access.ts';
import type { Dataset, File as H5File } from 'h5wasm';
import { energyToEv, lengthScaleM, parseEnergyUnit } from './units.ts';

export interface CxiReadOptions {
  /** Frame dataset, absolute ('/entry_1/data_1/data') or relative to the entry. Default: data_1/data, then instrument_1/detector_1/data. */
  dataPath?: string;
  /** Positions dataset [n,2] or [n,3] (x, y[, z] columns). Default: sample_1/geometry_1/translation, then data_1/translation. */
  translationPath?: string;
  /** PtyPy-style separate 1D position arrays: x (fast axis, object columns) and y (slow axis, rows). Both or neither. */
  positionXPath?: string;
  positionYPath?: string;
  /** What the stored positions describe: the sample's translation (CXI; default) or the probe's position. */
  translationIs?: 'sample' | 'probe';
  /** Metres per stored unit when the positions have no `units` attribute (default 1: metres). */
  positionScaleM?: number;
  /** Applied after the sign/scale conversion, in this order: swap x↔y, then negate x, then negate y. */
  swapXY?: boolean;
  flipX?: boolean;
  flipY?: boolean;
  /** Energy dataset path (absolute or relative). Default: instrument_1/source_1/energy. */
  energyPath?: string;
  /** Unit of the stored energy when it has no `units` attribute; 'auto' (default) detects by magnitude. */
  energyUnit?: 'J' | 'eV' | 'keV' | 'auto';
  /** Use this energy instead of the file's. */
  energyEv?: number;
  detectorDistanceM?: number;
  detectorPixelM?: [number, number];
  /** Tomography angle override (degrees). */
  angleDeg?: number;
  /** Mask dataset [h,w]; default instrument_1/detector_1/mask when present. */
  maskPath?: string;
  /** Which mask value marks a good pixel: 'zero' (CXI; default) or 'nonzero' (weights / valid masks). */
  maskGood?: 'zero' | 'nonzero';
}

export interface CxiEntryInfo {
  name: string;
  nFrames: number;
  height: number;
  width: number;
  energyEv: number;
  angleDeg?: number;
  dtype: string;
}

const DATA_PATHS = ['data_1/data', 'instrument_1/detector_1/data'];
const TRANSLATION_PATHS = ['sample_1/geometry_1/translation', 'data_1/translation', 'instrument_1/detector_1/translation'];
const ENERGY_PATHS = ['instrument_1/source_1/energy', 'instrument_1/source_1/photon_energy', 'instrument_1/beam_1/energy'];
const ANGLE_PATHS = ['sample_1/geometry_1/angle', 'sample_1/geometry_1/rotation_angle', 'sample_1/rotation_angle'];

const entryNumber = (name: string) => Number(/(\d+)$/.exec(name)?.[1] ?? 0);

/** Top-level groups named entry, entry_1, entry_2, … in numeric order. */
export function entryNames(f: H5File): string[] {
  return f
    .keys()
    .filter((k) => /^entry(_\d+)?$/.test(k) && getGroup(f, k))
    .sort((a, b) => entryNumber(a) - entryNumber(b));
}

function resolvePath(entry: string, p: string): string {
  return p.startsWith('/') ? p : `/${entry}/${p}`;
}

function findDataset(f: H5File, entry: string, explicit: string | undefined, defaults: string[]): { ds?: Dataset; path: string; tried: string[] } {
  const tried = (explicit ? [explicit] : defaults).map((p) => resolvePath(entry, p));
  for (const p of tried) {
    const ds = getDataset(f, p);
    if (ds) return { ds, path: p, tried };
  }
  return { path: tried[0], tried };
}

function scalarValue(ds: Dataset, file: string, path: string): number {
  const v = toNumbers(ds.value);
  if (v.length === 0) throw new PtyxanesError('empty dataset', { file, field: path, expected: 'a number', found: 'nothing' });
  const first = v[0];
  for (const x of v) {
    if (Math.abs(x - first) > 1e-9 * Math.abs(first)) {
      throw new PtyxanesError('values differ within one entry', { file, field: path, expected: 'one value per entry', found: `${v.length} values from ${Math.min(...v)} to ${Math.max(...v)}` });
    }
  }
  return first;
}

/** Length in metres from a dataset, via its units attribute; bare values are metres below `maxBareM`. */
function lengthM(ds: Dataset, file: string, path: string, maxBareM: number): number {
  const v = scalarValue(ds, file, path);
  const units = stringAttr(ds, 'units');
  const scale = lengthScaleM(units);
  if (units && scale === undefined) throw new PtyxanesError('unknown length unit', { file, field: `${path}@units`, expected: 'm, mm, um or nm', found: units });
  const m = v * (scale ?? 1);
  if (!(m > 0) || (!units && m > maxBareM)) {
    throw new PtyxanesError('implausible length (no units attribute; metres expected)', { file, field: path, expected: `0 < value ≤ ${maxBareM} m`, found: String(v) });
  }
  return m;
}

export interface EntryMeta {
  info: CxiEntryInfo;
  dataPath: string;
  /** [n,h,w], or [ny,nx,h,w] flattened to n = ny*nx frames. */
  dims: number[];
}

export function readEntryMeta(f: H5File, file: string, entry: string, opts: CxiReadOptions): EntryMeta {
  const data = findDataset(f, entry, opts.dataPath, DATA_PATHS);
  if (!data.ds) throw new PtyxanesError('frame dataset absent', { file, field: data.tried.join(' or '), expected: 'a dataset [n,h,w]', found: 'nothing there' });
  const dims = data.ds.shape ?? [];
  if (dims.length !== 3 && dims.length !== 4) {
    throw new PtyxanesError('frame dataset has the wrong rank', { file, field: data.path, expected: '[n,h,w] or [ny,nx,h,w]', found: `[${dims.join(',')}]` });
  }
  const [h, w] = dims.slice(-2);
  const n = dims.length === 4 ? dims[0] * dims[1] : dims[0];
  const dtype = dtypeName(data.ds);
  if (!/^(u?int(8|16|32|64)|float(32|64))$/.test(dtype)) throw new PtyxanesError('frame data are not numbers', { file, field: data.path, expected: 'integer or float pixels', found: dtype });

  let energyEv: number;
  if (opts.energyEv !== undefined) {
    energyEv = energyToEv(opts.energyEv, 'eV', { file, field: 'option energyEv' });
  } else {
    const e = findDataset(f, entry, opts.energyPath, ENERGY_PATHS);
    if (!e.ds) throw new PtyxanesError('energy missing', { file, field: e.tried.join(' or '), expected: 'the X-ray energy (or the energyEv option)', found: 'nothing there' });
    const units = stringAttr(e.ds, 'units');
    const declared = parseEnergyUnit(units);
    if (units && !declared) throw new PtyxanesError('unknown energy unit', { file, field: `${e.path}@units`, expected: 'J, eV or keV', found: units });
    energyEv = energyToEv(scalarValue(e.ds, file, e.path), declared ?? opts.energyUnit ?? 'auto', { file, field: e.path });
  }

  let angleDeg = opts.angleDeg;
  if (angleDeg === undefined) {
    const a = findDataset(f, entry, undefined, ANGLE_PATHS);
    if (a.ds) {
      const u = (stringAttr(a.ds, 'units') ?? 'degrees').toLowerCase();
      const v = scalarValue(a.ds, file, a.path);
      angleDeg = u.startsWith('rad') ? (v * 180) / Math.PI : v;
    }
  }
  const info: CxiEntryInfo = { name: entry, nFrames: n, height: h, width: w, energyEv, dtype };
  if (angleDeg !== undefined) info.angleDeg = angleDeg;
  return { info, dataPath: data.path, dims };
}

function readPositions(f: H5File, file: string, entry: string, n: number, opts: CxiReadOptions): Float64Array {
  let xs: Float64Array, ys: Float64Array, field: string, units: string | undefined;
  if (opts.positionXPath || opts.positionYPath) {
    if (!opts.positionXPath || !opts.positionYPath) throw new PtyxanesError('give both positionXPath and positionYPath', { file, field: 'options', expected: 'both paths', found: 'one' });
    const px = findDataset(f, entry, opts.positionXPath, []);
    const py = findDataset(f, entry, opts.positionYPath, []);
    for (const p of [px, py]) if (!p.ds) throw new PtyxanesError('position dataset absent', { file, field: p.path, expected: 'a 1D dataset of positions', found: 'nothing there' });
    xs = toNumbers(px.ds!.value);
    ys = toNumbers(py.ds!.value);
    field = `${px.path}, ${py.path}`;
    units = stringAttr(px.ds!, 'units');
    if (xs.length !== ys.length) throw new PtyxanesError('x and y positions of different counts', { file, field, expected: `${xs.length} y values`, found: String(ys.length) });
  } else {
    const t = findDataset(f, entry, opts.translationPath, TRANSLATION_PATHS);
    if (!t.ds) throw new PtyxanesError('scan positions absent', { file, field: t.tried.join(' or '), expected: 'a translation dataset [n,3] or [n,2]', found: 'nothing there' });
    const shape = t.ds.shape ?? [];
    if (shape.length !== 2 || (shape[1] !== 2 && shape[1] !== 3)) {
      throw new PtyxanesError('translation dataset has the wrong shape', { file, field: t.path, expected: '[n,2] or [n,3]', found: `[${shape.join(',')}]` });
    }
    const all = toNumbers(t.ds.value);
    const c = shape[1];
    xs = new Float64Array(shape[0]);
    ys = new Float64Array(shape[0]);
    for (let i = 0; i < shape[0]; i++) {
      xs[i] = all[i * c];
      ys[i] = all[i * c + 1];
    }
    field = t.path;
    units = stringAttr(t.ds, 'units');
  }
  if (xs.length !== n) {
    throw new PtyxanesError('frames and positions of different counts', { file, field, expected: `${n} positions (one per frame)`, found: String(xs.length) });
  }
  const unitScale = lengthScaleM(units);
  if (units && unitScale === undefined) throw new PtyxanesError('unknown length unit', { file, field: `${field}@units`, expected: 'm, mm, um or nm', found: units });
  const scale = unitScale ?? opts.positionScaleM ?? 1;
  const sign = (opts.translationIs ?? 'sample') === 'sample' ? -1 : 1;
  const out = new Float64Array(2 * n);
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    let x = sign * xs[i] * scale;
    let y = sign * ys[i] * scale;
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new PtyxanesError('position is not a finite number', { file, field: `${field}[${i}]`, expected: 'finite', found: `${xs[i]}, ${ys[i]}` });
    if (opts.swapXY) [x, y] = [y, x];
    if (opts.flipX) x = -x;
    if (opts.flipY) y = -y;
    out[2 * i] = x || 0;
    out[2 * i + 1] = y || 0;
    maxAbs = Math.max(maxAbs, Math.abs(x), Math.abs(y));
  }
  if (maxAbs > 1) {
    throw new PtyxanesError('positions larger than 1 m: not metres', { file, field, expected: 'metres (or a units attribute / positionScaleM)', found: `max |position| ${maxAbs}` });
  }
  return out;
}

function readMask(f: H5File, file: string, entry: string, h: number, w: number, opts: CxiReadOptions): Uint8Array {
  const m = findDataset(f, entry, opts.maskPath, ['instrument_1/detector_1/mask']);
  const valid = new Uint8Array(h * w).fill(1);
  if (!m.ds) {
    if (opts.maskPath) throw new PtyxanesError('mask dataset absent', { file, field: m.path, expected: 'a dataset [h,w]', found: 'nothing there' });
    return valid;
  }
  const shape = m.ds.shape ?? [];
  const ok = (shape.length === 2 && shape[0] === h && shape[1] === w) || (shape.length === 3 && shape[0] === 1 && shape[1] === h && shape[2] === w);
  if (!ok) throw new PtyxanesError('mask shape does not match the frames', { file, field: m.path, expected: `[${h},${w}]`, found: `[${shape.join(',')}]` });
  const v = toNumbers(m.ds.value);
  const goodIsZero = (opts.maskGood ?? 'zero') === 'zero';
  for (let i = 0; i < valid.length; i++) valid[i] = (v[i] === 0) === goodIsZero ? 1 : 0;
  return valid;
}

/** Any numeric typed array to float32 (bigint arrays via Number). */
function toFloat32(v: unknown, into: Float32Array, offset: number): void {
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    for (let i = 0; i < v.length; i++) into[offset + i] = Number(v[i]);
  } else if (ArrayBuffer.isView(v)) {
    into.set(v as unknown as ArrayLike<number>, offset);
  } else {
    throw new PtyxanesError('unexpected frame data from HDF5', { found: typeof v });
  }
}

/** Frames of one entry, read in blocks; implements FrameSource. */
export class CxiFrameSource implements FrameSource {
  readonly nFrames: number;
  readonly height: number;
  readonly width: number;
  readonly label: string;
  private closed = false;
  private opening?: Promise<{ file: H5File; ds: Dataset }>;
  private idle?: ReturnType<typeof setTimeout>;
  /** Milliseconds without reads after which the HDF5 file is closed (reopened on demand). */
  static idleMs = 1000;
  /** Largest single HDF5 slice (bytes): keeps the 2 GiB WebAssembly heap far from full. */
  static sliceBytes = 256 << 20;

  constructor(
    readonly file: string,
    readonly info: CxiEntryInfo,
    readonly geometry: ScanGeometry,
    readonly validMask: Uint8Array,
    readonly dataPath: string,
    private readonly dims: number[],
    /** Opens the file read-only (Node: the host filesystem; browser: a mounted File). */
    private readonly openFile: (file: string) => Promise<H5File>,
  ) {
    this.nFrames = info.nFrames;
    this.height = info.height;
    this.width = info.width;
    this.label = `${file}:/${info.name}`;
  }

  get dtype(): string {
    return this.info.dtype;
  }

  async readFrames(start: number, count: number): Promise<Float32Array> {
    if (this.closed) throw new PtyxanesError('frame source is closed', { file: this.file, field: this.dataPath });
    if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= this.nFrames)) {
      throw new PtyxanesError('frame range outside the dataset', { file: this.file, field: this.dataPath, expected: `within 0..${this.nFrames}`, found: `[${start}, ${start + count})` });
    }
    const per = this.height * this.width;
    const out = new Float32Array(count * per);
    if (count === 0) return out;
    const bytesPerFrame = per * 8;
    const step = Math.max(1, Math.floor(CxiFrameSource.sliceBytes / bytesPerFrame));
    const ds = await this.handle();
    const nx = this.dims.length === 4 ? this.dims[1] : 0;
    for (let s = start; s < start + count; ) {
      let e = Math.min(start + count, s + step);
      let ranges: [number, number][];
      if (nx) {
        // [ny,nx,h,w]: a slice may not cross a row of the scan grid.
        const row = Math.floor(s / nx);
        e = Math.min(e, (row + 1) * nx);
        ranges = [[row, row + 1], [s - row * nx, e - row * nx], [0, this.height], [0, this.width]];
      } else {
        ranges = [[s, e], [0, this.height], [0, this.width]];
      }
      try {
        toFloat32(ds.slice(ranges), out, (s - start) * per);
      } catch (err) {
        if (err instanceof PtyxanesError) throw err;
        throw new PtyxanesError('cannot read frames', { file: this.file, field: `${this.dataPath}[${s}:${e}]`, found: String((err as Error).message ?? err).split('\n')[0] });
      }
      s = e;
    }
    return out;
  }

  /**
   * The open file, kept between reads (opening costs ~2 ms, a frame read far less) and
   * closed after `idleMs` without reads or on close(), so a forgotten source leaks nothing.
   */
  private async handle(): Promise<Dataset> {
    this.opening ??= this.openFile(this.file).then((file) => {
      const ds = getDataset(file, this.dataPath);
      if (!ds) {
        file.close();
        throw new PtyxanesError('frame dataset absent', { file: this.file, field: this.dataPath });
      }
      return { file, ds };
    }); // one open even for concurrent first reads
    let f: { file: H5File; ds: Dataset };
    try {
      f = await this.opening;
    } catch (err) {
      this.opening = undefined;
      throw err;
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.release(), CxiFrameSource.idleMs);
    this.idle.unref?.();
    return f.ds;
  }

  private release(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    const opening = this.opening;
    this.opening = undefined;
    opening?.then((f) => f.file.close()).catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    this.release();
  }
}

function checkEntryName(f: H5File, file: string, entry: string | undefined): string {
  const names = entryNames(f);
  const name = (entry ?? names[0] ?? 'entry_1').replace(/^\//, '');
  if (!getGroup(f, name)) throw new PtyxanesError('entry absent', { file, field: `/${name}`, expected: names.length ? names.join(', ') : 'an entry_N group', found: 'nothing there' });
  return name;
}

/** One entry of an open file as a FrameSource; `openFile` reopens the file for block reads. */
export function openEntry(f: H5File, file: string, entry: string | undefined, opts: CxiReadOptions, openFile: (file: string) => Promise<H5File>): CxiFrameSource {
  const name = checkEntryName(f, file, entry);
  const meta = readEntryMeta(f, file, name, opts);
  const positionsM = readPositions(f, file, name, meta.info.nFrames, opts);
  const validMask = readMask(f, file, name, meta.info.height, meta.info.width, opts);
  const distance = opts.detectorDistanceM ?? lengthFrom(f, file, name, 'instrument_1/detector_1/distance', 100);
  let pixel = opts.detectorPixelM;
  if (!pixel) {
    const px = lengthFrom(f, file, name, 'instrument_1/detector_1/x_pixel_size', 0.01);
    const y = findDataset(f, name, undefined, ['instrument_1/detector_1/y_pixel_size']);
    pixel = [px, y.ds ? lengthM(y.ds, file, y.path, 0.01) : px];
  }
  const geometry: ScanGeometry = { energyEv: meta.info.energyEv, detectorDistanceM: distance, detectorPixelM: pixel, positionsM };
  if (meta.info.angleDeg !== undefined) geometry.angleDeg = meta.info.angleDeg;
  return new CxiFrameSource(file, meta.info, geometry, validMask, meta.dataPath, meta.dims, openFile);
}

function lengthFrom(f: H5File, file: string, entry: string, rel: string, maxBareM: number): number {
  const d = findDataset(f, entry, undefined, [rel]);
  if (!d.ds) throw new PtyxanesError('detector geometry missing', { file, field: d.path, expected: 'a length in m (or the matching option)', found: 'nothing there' });
  return lengthM(d.ds, file, d.path, maxBareM);
}

/** The entries of an open file with frame counts, shapes, energies (eV) and angles. */
export function entryInfos(f: H5File, file: string, opts: CxiReadOptions = {}): CxiEntryInfo[] {
  const names = entryNames(f);
  if (names.length === 0) throw new PtyxanesError('no CXI entries', { file, field: '/', expected: 'groups entry_1, entry_2, …', found: f.keys().join(', ') || 'empty file' });
  return names.map((e) => readEntryMeta(f, file, e, opts).info);
}

/**
 * CXI 1.6 writer (layout and conventions documented in cxi.ts). Streaming: frames are
 * appended in blocks to a chunked, resizable dataset, so a file far larger than memory is
 * written with memory bounded by one block (+ HDF5's chunk cache). Everything goes to a
 * temporary file in the target directory, renamed into place by close(): an interrupted
 * run leaves no complete-looking file.
 */
import { PtyxanesError } from '../core/errors.ts';
import { commitTemp, prepareOutput, removeQuietly, tempPathFor } from './files.ts';
import { firstLine, h5 } from './h5.ts';
import type { Group, H5File } from './h5.ts';
import { EV_TO_J } from './units.ts';

export type CxiFrameArray = Float32Array | Uint16Array | Uint32Array | Int32Array;
export type CxiDtype = 'float32' | 'uint16' | 'uint32' | 'int32';

export interface CxiEntryInput {
  /** [n, h, w] counts, centred (zero frequency at h/2, w/2). */
  frames: CxiFrameArray;
  shape: [number, number, number];
  /** Probe (x, y) pairs over the sample (m), ptyxanes convention; stored as CXI sample translation = −position. */
  positionsM: Float64Array;
  energyEv: number;
  detectorDistanceM: number;
  /** Detector pixel size (m), x then y. */
  detectorPixelM: [number, number];
  /** 1 = good; stored as the CXI mask (0 = good, 1 = invalid). */
  validMask?: Uint8Array;
  /** Tomography rotation (degrees): /entry_N/sample_1/geometry_1/angle. */
  angleDeg?: number;
  /** Extra attributes on the entry group. */
  attrs?: Record<string, string | number>;
  /** On-disk type for writeCxi (default: that of `frames`; integers are rounded and clamped). */
  dtype?: CxiDtype;
}

export type CxiEntryMeta = Omit<CxiEntryInput, 'frames'> & { dtype: CxiDtype };

export interface CxiWriteOptions {
  overwrite?: boolean;
  /** gzip level 1–9 for the frame data (0/undefined = none: fastest, readable everywhere). */
  compression?: number;
}

const H5_DTYPE: Record<CxiDtype, string> = { float32: '<f', uint16: '<H', uint32: '<I', int32: '<i' };
const ARRAY_OF: Record<CxiDtype, { new (n: number): CxiFrameArray }> = {
  float32: Float32Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  int32: Int32Array,
};
const INT_RANGE: Record<Exclude<CxiDtype, 'float32'>, [number, number]> = {
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
};

export function dtypeOf(a: CxiFrameArray): CxiDtype {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof Int32Array) return 'int32';
  throw new PtyxanesError('unsupported frame array type', { field: 'frames', expected: 'Float32Array, Uint16Array, Uint32Array or Int32Array', found: Object.prototype.toString.call(a) });
}

/** Converts to the declared dtype (rounding and clamping for integers). */
function asDtype(a: CxiFrameArray, dtype: CxiDtype): CxiFrameArray {
  if (dtypeOf(a) === dtype) return a;
  const out = new ARRAY_OF[dtype](a.length);
  if (dtype === 'float32') (out as Float32Array).set(a);
  else {
    const [lo, hi] = INT_RANGE[dtype];
    for (let i = 0; i < a.length; i++) {
      const v = Math.round(a[i]);
      out[i] = v < lo ? lo : v > hi ? hi : v === v ? v : 0;
    }
  }
  return out;
}

function group(parent: Group, name: string, nxClass?: string): Group {
  const g = parent.create_group(name);
  if (nxClass) g.create_attribute('NX_class', nxClass);
  return g;
}

function scalar(parent: Group, name: string, value: number, units?: string): void {
  const ds = parent.create_dataset({ name, data: value, dtype: '<d' });
  if (units) ds.create_attribute('units', units);
}

function validateMeta(file: string, m: CxiEntryMeta): void {
  const bad = (field: string, expected: string, found: unknown) => new PtyxanesError('invalid CXI entry', { file, field, expected, found: String(found) });
  const [n, h, w] = m.shape ?? [];
  if (!(m.shape?.length === 3 && [n, h, w].every((x) => Number.isInteger(x) && x > 0))) throw bad('shape', '[n,h,w] positive integers', `[${m.shape}]`);
  if (!(m.dtype in H5_DTYPE)) throw bad('dtype', Object.keys(H5_DTYPE).join('|'), m.dtype);
  if (m.positionsM?.length !== 2 * n) throw bad('positionsM', `${2 * n} numbers (x,y per frame)`, m.positionsM?.length);
  for (let i = 0; i < m.positionsM.length; i++) if (!Number.isFinite(m.positionsM[i])) throw bad(`positionsM[${i}]`, 'a finite number', m.positionsM[i]);
  if (!(m.energyEv > 0 && Number.isFinite(m.energyEv))) throw bad('energyEv', 'a positive energy in eV', m.energyEv);
  if (!(m.detectorDistanceM > 0)) throw bad('detectorDistanceM', 'a positive distance in m', m.detectorDistanceM);
  if (!(m.detectorPixelM?.length === 2 && m.detectorPixelM[0] > 0 && m.detectorPixelM[1] > 0)) throw bad('detectorPixelM', '[x, y] positive sizes in m', m.detectorPixelM);
  if (m.validMask && m.validMask.length !== h * w) throw bad('validMask', `${h * w} values (h×w)`, m.validMask.length);
  if (m.angleDeg !== undefined && !Number.isFinite(m.angleDeg)) throw bad('angleDeg', 'a finite angle in degrees', m.angleDeg);
}

/** Streaming CXI writer: create → (beginEntry → appendFrames… → endEntry)… → close. */
export class CxiWriter {
  private entryCount = 0;
  private current?: { meta: CxiEntryMeta; path: string; written: number };
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private file: H5File,
    private readonly opts: CxiWriteOptions,
  ) {}

  static async create(path: string, opts: CxiWriteOptions = {}): Promise<CxiWriter> {
    const abs = await prepareOutput(path, opts); // refuses an existing file; checks the directory
    const tmp = tempPathFor(abs);
    const lib = await h5();
    let f: H5File;
    try {
      f = new lib.File(tmp, 'w');
      f.create_dataset({ name: 'cxi_version', data: 160, dtype: '<i' });
      f.create_attribute('creator', 'ptyxanes');
    } catch (err) {
      await removeQuietly(tmp);
      throw new PtyxanesError('cannot create CXI file', { file: abs, expected: 'a writable path', found: firstLine(err) });
    }
    return new CxiWriter(abs, tmp, f, opts);
  }

  /** Names of the entries written so far ('entry_1', …). */
  get entries(): string[] {
    return Array.from({ length: this.entryCount }, (_, i) => `entry_${i + 1}`);
  }

  private fail(what: string, err: unknown, field?: string): never {
    if (err instanceof PtyxanesError) throw err;
    throw new PtyxanesError(what, { file: this.path, field, found: firstLine(err) });
  }

  async beginEntry(meta: CxiEntryMeta): Promise<void> {
    if (this.closed) throw new PtyxanesError('CXI writer is closed', { file: this.path });
    if (this.current) throw new PtyxanesError('beginEntry before the previous endEntry', { file: this.path, field: this.current.path });
    validateMeta(this.path, meta);
    const name = `entry_${this.entryCount + 1}`;
    const [n, h, w] = meta.shape;
    try {
      const entry = group(this.file, name, 'NXentry');
      for (const [k, v] of Object.entries(meta.attrs ?? {})) entry.create_attribute(k, v);
      // Sample: CXI translation is the sample's (x, y, z) in metres, = −(probe position).
      const sample = group(entry, 'sample_1', 'NXsample');
      const geom = group(sample, 'geometry_1', 'NXgeometry');
      const t = new Float64Array(3 * n);
      for (let i = 0; i < n; i++) {
        t[3 * i] = -meta.positionsM[2 * i] || 0; // `|| 0` avoids storing −0
        t[3 * i + 1] = -meta.positionsM[2 * i + 1] || 0;
      }
      geom.create_dataset({ name: 'translation', data: t, shape: [n, 3], dtype: '<d' }).create_attribute('units', 'm');
      if (meta.angleDeg !== undefined) scalar(geom, 'angle', meta.angleDeg, 'degrees');
      const instrument = group(entry, 'instrument_1', 'NXinstrument');
      const source = group(instrument, 'source_1', 'NXsource');
      scalar(source, 'energy', meta.energyEv * EV_TO_J, 'J');
      const det = group(instrument, 'detector_1', 'NXdetector');
      scalar(det, 'distance', meta.detectorDistanceM, 'm');
      scalar(det, 'x_pixel_size', meta.detectorPixelM[0], 'm');
      scalar(det, 'y_pixel_size', meta.detectorPixelM[1], 'm');
      if (meta.validMask) {
        const mask = new Uint32Array(h * w);
        for (let i = 0; i < mask.length; i++) mask[i] = meta.validMask[i] ? 0 : 1; // CXI bit 0: invalid
        det.create_dataset({ name: 'mask', data: mask, shape: [h, w], dtype: '<I' });
      }
      const data1 = group(entry, 'data_1', 'NXdata');
      data1.create_attribute('signal', 'data');
      // Chunks of whole frames match how readers slice (blocks of frames). ~256 KiB: h5wasm
      // reopens the dataset per read, so HDF5's chunk cache does not survive between reads
      // and a read costs up to a chunk extra at each end; small chunks keep that cheap.
      const bytes = meta.dtype === 'uint16' ? 2 : 4;
      const chunkFrames = Math.max(1, Math.min(n, Math.floor((256 << 10) / (h * w * bytes))));
      const ds = data1.create_dataset({
        name: 'data',
        data: new ARRAY_OF[meta.dtype](0),
        shape: [0, h, w],
        maxshape: [null, h, w],
        chunks: [chunkFrames, h, w],
        dtype: H5_DTYPE[meta.dtype],
        ...(this.opts.compression ? { compression: this.opts.compression } : {}),
      });
      ds.create_attribute('units', 'counts');
      ds.create_attribute('axes', 'translation:y:x');
      det.create_soft_link(`/${name}/data_1/data`, 'data');
      data1.create_soft_link(`/${name}/sample_1/geometry_1/translation`, 'translation');
    } catch (err) {
      this.fail('cannot write CXI entry', err, name);
    }
    this.entryCount++;
    this.current = { meta, path: `/${name}/data_1/data`, written: 0 };
  }

  /** Appends whole frames (length a multiple of h*w) to the open entry. */
  async appendFrames(frames: CxiFrameArray): Promise<void> {
    const cur = this.current;
    if (!cur) throw new PtyxanesError('appendFrames without beginEntry', { file: this.path });
    const [n, h, w] = cur.meta.shape;
    const k = frames.length / (h * w);
    if (!Number.isInteger(k) || cur.written + k > n) {
      throw new PtyxanesError('frames do not fit the declared entry shape', { file: this.path, field: cur.path, expected: `up to ${n - cur.written} more frames of ${h}×${w}`, found: `${frames.length} values` });
    }
    if (k === 0) return;
    try {
      const ds = this.file.get(cur.path) as import('./h5.ts').Dataset;
      ds.resize([cur.written + k, h, w]);
      ds.write_slice([[cur.written, cur.written + k], [], []], asDtype(frames, cur.meta.dtype));
    } catch (err) {
      this.fail('cannot write frames', err, cur.path);
    }
    cur.written += k;
  }

  async endEntry(): Promise<void> {
    const cur = this.current;
    if (!cur) throw new PtyxanesError('endEntry without beginEntry', { file: this.path });
    if (cur.written !== cur.meta.shape[0]) {
      throw new PtyxanesError('entry ended with missing frames', { file: this.path, field: cur.path, expected: `${cur.meta.shape[0]} frames`, found: `${cur.written}` });
    }
    this.file.flush();
    this.current = undefined;
  }

  /** Closes the HDF5 file and renames the temporary file into place (only here). */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.current) {
      const field = this.current.path;
      await this.abort();
      throw new PtyxanesError('CXI writer closed with an unfinished entry; nothing written', { file: this.path, field });
    }
    this.closed = true;
    try {
      this.file.close();
    } catch (err) {
      await removeQuietly(this.tmp);
      this.fail('cannot finish CXI file', err);
    }
    await commitTemp(this.tmp, this.path);
  }

  /** Discards everything written (temporary file removed). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.current = undefined;
    try {
      this.file.close();
    } catch {
      /* already failing */
    }
    await removeQuietly(this.tmp);
  }
}

/** Writes all entries (in memory) to one CXI file, atomically. */
export async function writeCxi(path: string, entries: CxiEntryInput[], opts: CxiWriteOptions = {}): Promise<void> {
  const w = await CxiWriter.create(path, opts);
  try {
    for (const e of entries) {
      const { frames, ...meta } = e;
      const dtype = e.dtype ?? dtypeOf(frames);
      await w.beginEntry({ ...meta, dtype });
      const per = e.shape[1] * e.shape[2];
      const block = Math.max(1, Math.floor((64 << 20) / (per * 4)));
      if (frames.length !== e.shape[0] * per) {
        throw new PtyxanesError('frame data length does not match shape', { file: w.path, field: 'frames', expected: `${e.shape[0] * per} values`, found: String(frames.length) });
      }
      for (let s = 0; s < e.shape[0]; s += block) await w.appendFrames(frames.subarray(s * per, Math.min(e.shape[0], s + block) * per));
      await w.endEntry();
    }
    await w.close();
  } catch (err) {
    await w.abort();
    throw err;
  }
}

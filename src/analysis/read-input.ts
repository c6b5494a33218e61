/**
 * Reads what `ptyxanes analyse` works on (Node only): a finished 2D pipeline run directory
 * (xanes/oxidation_state.tif, oxidation_state_std.tif, edge_step.tif; pixel size from
 * run.json), a `ptyxanes fit` output directory (the same maps at its top level), or an
 * oxidation-state TIFF map/volume with optional uncertainty and edge-step TIFFs. The pixel
 * size comes from --pixel-size-nm, else run.json, else the TIFF's resolution tags (ImageJ
 * convention: pixels per micron), and the z spacing of a volume from ImageJ's `spacing=`.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { PtyxanesError } from '../core/errors.ts';
import { pathExists } from '../io/files.ts';
import { readTiff } from '../io/tiff.ts';

export interface AnalysisFiles {
  name: string;
  source: string;
  state: { data: Float32Array; shape: number[] };
  uncertainty?: Float32Array;
  edgeStep?: Float32Array;
  /** Per axis, metres. */
  spacingM: number[];
  /** Where the pixel size came from. */
  spacingFrom: string;
}

export interface ReadAnalysisOptions {
  uncertainty?: string;
  edgeStep?: string;
  pixelSizeNm?: number;
  /** Use no edge-step map even if one is found (mask = finite state). */
  noEdgeStep?: boolean;
}

/** Pixel size (m) and z spacing (m) stored in a TIFF written by ptyxanes, Fiji or tifffile, if any. */
export async function tiffSpacingM(path: string): Promise<{ pixelM?: number; spacingM?: number }> {
  const { fromFile } = await import('geotiff');
  const tiff = await fromFile(path);
  try {
    const fd = (await tiff.getImage(0)).getFileDirectory();
    const desc = fd.hasTag('ImageDescription') ? String(await fd.loadValue('ImageDescription')) : '';
    const unit = /unit=(micron|um|µm|\\u00B5m)/.test(desc) ? 1e-6 : /unit=nm/.test(desc) ? 1e-9 : undefined;
    const out: { pixelM?: number; spacingM?: number } = {};
    if (unit && fd.hasTag('XResolution')) {
      const r = (await fd.loadValue('XResolution')) as unknown as ArrayLike<number>;
      const perUnit = r.length >= 2 ? r[0] / r[1] : r[0];
      if (perUnit > 0) out.pixelM = unit / perUnit;
    }
    const sp = /spacing=([0-9.eE+-]+)/.exec(desc);
    if (unit && sp && Number(sp[1]) > 0) out.spacingM = Number(sp[1]) * unit;
    return out;
  } finally {
    tiff.close();
  }
}

async function readMatching(path: string, shape: number[], what: string): Promise<Float32Array> {
  const t = await readTiff(path);
  if (t.shape.join('x') !== shape.join('x')) throw new PtyxanesError(`${what} does not match the oxidation-state map`, { file: path, expected: `[${shape}]`, found: `[${t.shape}]` });
  return t.data;
}

export async function readAnalysisInput(input: string, opts: ReadAnalysisOptions = {}): Promise<AnalysisFiles> {
  const abs = resolve(input);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new PtyxanesError('input not found', { file: abs, expected: 'a run directory or an oxidation-state TIFF', found: 'nothing' });
  }
  let statePath = abs, stdPath = opts.uncertainty, edgePath = opts.edgeStep, runPixelM: number | undefined, name = basename(abs).replace(/\.tiff?$/i, '');
  if (st.isDirectory()) {
    const dir = (await pathExists(join(abs, 'xanes', 'oxidation_state.tif'))) ? join(abs, 'xanes') : abs;
    statePath = join(dir, 'oxidation_state.tif');
    if (!(await pathExists(statePath))) throw new PtyxanesError('no oxidation-state map in the directory', { file: abs, expected: 'xanes/oxidation_state.tif (a pipeline run) or oxidation_state.tif (a fit)', found: 'neither' });
    stdPath ??= (await pathExists(join(dir, 'oxidation_state_std.tif'))) ? join(dir, 'oxidation_state_std.tif') : undefined;
    edgePath ??= (await pathExists(join(dir, 'edge_step.tif'))) ? join(dir, 'edge_step.tif') : undefined;
    try {
      const run = JSON.parse(await readFile(join(abs, 'run.json'), 'utf8'));
      const p = run?.stages?.register?.info?.pixelSizeM;
      if (typeof p === 'number' && p > 0) runPixelM = p;
    } catch {
      /* not a pipeline run: the TIFF tags or --pixel-size-nm say the pixel size */
    }
  } else {
    // A map next to its siblings (as `ptyxanes fit` writes them) brings them along.
    const sib = join(dirname(abs), basename(abs).replace(/\.tiff?$/i, '_std.tif'));
    if (!stdPath && sib !== abs && (await pathExists(sib))) stdPath = sib;
    const edge = join(dirname(abs), 'edge_step.tif');
    if (!edgePath && basename(abs) === 'oxidation_state.tif' && (await pathExists(edge))) edgePath = edge;
  }
  const state = await readTiff(statePath);
  const tags = await tiffSpacingM(statePath);
  let pixelM: number | undefined, from: string;
  if (opts.pixelSizeNm !== undefined) {
    if (!(opts.pixelSizeNm > 0)) throw new PtyxanesError('bad pixel size', { field: '--pixel-size-nm', expected: 'a positive number', found: String(opts.pixelSizeNm) });
    pixelM = opts.pixelSizeNm * 1e-9;
    from = '--pixel-size-nm';
  } else if (runPixelM) {
    pixelM = runPixelM;
    from = 'run.json';
  } else if (tags.pixelM) {
    pixelM = tags.pixelM;
    from = 'TIFF resolution tags';
  } else {
    throw new PtyxanesError('pixel size unknown', { file: statePath, expected: 'resolution tags, a run.json, or --pixel-size-nm', found: 'none of them' });
  }
  const spacingM = state.shape.length === 3 ? [tags.spacingM ?? pixelM, pixelM, pixelM] : state.shape.map(() => pixelM!);
  const uncertainty = stdPath ? await readMatching(stdPath, state.shape, 'uncertainty map') : undefined;
  const edgeStep = edgePath && !opts.noEdgeStep ? await readMatching(edgePath, state.shape, 'edge-step map') : undefined;
  if (st.isDirectory()) name = basename(abs);
  return { name, source: statePath, state, uncertainty, edgeStep, spacingM, spacingFrom: from };
}

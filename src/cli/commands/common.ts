/** Option groups shared by several commands, so flags mean the same everywhere. */
import { PtyxanesError } from '../../core/errors.ts';
import type { OptionSpec } from '../args.ts';

export const BACKEND_OPTION: Record<string, OptionSpec> = {
  backend: { type: 'string', default: 'auto', choices: ['auto', 'gpu', 'cpu'], help: "where to compute: 'auto' uses a GPU when there is an adapter" },
};

export const EPIE_OPTIONS: Record<string, OptionSpec> = {
  iterations: { type: 'int', meta: 'N', help: 'ePIE iterations per energy (default 50; pipeline 3d: 100 for the angles of its first, cold-started energy)' },
  mode: { type: 'string', choices: ['parallel', 'sequential'], help: 'ePIE update scheme (default: sequential on the CPU from --probe-init mean-pattern, else parallel)' },
  engine: { type: 'string', choices: ['mpie', 'epie'], help: "update rule: 'mpie' (rPIE steps, object momentum, |O| ≤ 1; default in sequential mode) or plain 'epie' (default in parallel mode)" },
  'probe-modes': { type: 'int', meta: 'K', help: 'incoherent probe modes (default 1)' },
  alpha: { type: 'number', help: 'object step size (default 1)' },
  beta: { type: 'number', help: 'probe step size (default 1)' },
  'probe-update-start': { type: 'int', meta: 'N', help: 'first iteration with probe updates (default 0)' },
  seed: { type: 'int', help: 'seed of the random position order (default 1)' },
  'probe-init': { type: 'string', default: 'zone-plate', choices: ['zone-plate', 'mean-pattern', 'aperture', 'gaussian'], help: "starting probe: a Fresnel zone-plate model (the simulator's optics for a simulated sample), the mean diffraction pattern, or a flat-phase aperture (disk) or Gaussian of --probe-size-um at the sample, its power from the data" },
  'probe-size-um': { type: 'number', meta: 'UM', help: 'size at the sample of an aperture (diameter) or Gaussian (FWHM) --probe-init' },
  'zp-diameter-um': { type: 'number', meta: 'UM', help: 'zone plate diameter (default 400 µm, the paper)' },
  'zp-outer-zone-nm': { type: 'number', meta: 'NM', help: 'outermost zone width (default 200 nm)' },
  'zp-central-stop-um': { type: 'number', meta: 'UM', help: 'central stop diameter (default none)' },
  'zp-defocus-mm': { type: 'number', meta: 'MM', help: 'sample distance downstream of focus (default: that of a --zp-spot-um spot)' },
  'zp-spot-um': { type: 'number', meta: 'UM', help: 'probe (spot) diameter at the sample used to place the focus (default 2 µm)' },
};

/** --probe-size-um in metres (undefined when not given). */
export function probeSizeFrom(o: Record<string, unknown>): number | undefined {
  return o['probe-size-um'] === undefined ? undefined : (o['probe-size-um'] as number) * 1e-6;
}

/** Zone-plate model overrides from --zp-* flags (undefined when none given). */
export function zonePlateFrom(o: Record<string, unknown>): Record<string, number> | undefined {
  const z: Record<string, number> = {};
  if (o['zp-diameter-um'] !== undefined) z.diameterM = (o['zp-diameter-um'] as number) * 1e-6;
  if (o['zp-outer-zone-nm'] !== undefined) z.outerZoneM = (o['zp-outer-zone-nm'] as number) * 1e-9;
  if (o['zp-central-stop-um'] !== undefined) z.centralStopDiameterM = (o['zp-central-stop-um'] as number) * 1e-6;
  if (o['zp-defocus-mm'] !== undefined) z.defocusM = (o['zp-defocus-mm'] as number) * 1e-3;
  if (o['zp-spot-um'] !== undefined) z.spotDiameterM = (o['zp-spot-um'] as number) * 1e-6;
  return Object.keys(z).length ? z : undefined;
}

export const READ_OPTIONS: Record<string, OptionSpec> = {
  'data-path': { type: 'string', meta: 'H5PATH', help: 'dataset of frames inside each entry, if not the CXI default' },
  'translation-path': { type: 'string', meta: 'H5PATH', help: 'positions dataset [n,2|3] (x, y[, z]) if not the CXI default' },
  'position-x-path': { type: 'string', meta: 'H5PATH', help: 'PtyPy-style: 1D dataset of x (fast axis, object columns) positions; give --position-y-path too' },
  'position-y-path': { type: 'string', meta: 'H5PATH', help: 'PtyPy-style: 1D dataset of y (slow axis, object rows) positions' },
  'translation-is': { type: 'string', choices: ['sample', 'probe'], help: "whether stored positions are the sample's translation (CXI, default) or the probe's position" },
  'position-scale': { type: 'number', meta: 'M_PER_UNIT', help: 'metres per stored position unit when the file has no units attribute' },
  'energy-unit': { type: 'string', choices: ['J', 'eV', 'keV', 'auto'], help: 'unit of the stored energy when the file does not say (default: detected)' },
  'mask-path': { type: 'string', meta: 'H5PATH', help: 'detector mask dataset [h,w] (default instrument_1/detector_1/mask)' },
  'mask-good': { type: 'string', choices: ['zero', 'nonzero'], help: "which mask value marks a good pixel: 'zero' (CXI mask, default) or 'nonzero' (weights)" },
  'energy-path': { type: 'string', meta: 'H5PATH', help: 'energy dataset, if not instrument_1/source_1/energy' },
  'distance-m': { type: 'number', meta: 'M', help: 'sample–detector distance (m), if the file lacks or misstates it' },
  'detector-pixel-um': { type: 'number', meta: 'UM', help: 'detector pixel size (µm, square), if the file lacks or misstates it' },
  'swap-xy': { type: 'boolean', default: false, help: 'swap the x and y scan axes of the input positions' },
  'flip-x': { type: 'boolean', default: false, help: 'negate the x scan positions' },
  'flip-y': { type: 'boolean', default: false, help: 'negate the y scan positions' },
  'energy-ev': { type: 'number', help: 'override the energy of a single-entry input (eV)' },
};

export function epieOptionsFrom(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.iterations !== undefined) out.iterations = o.iterations;
  if (o.mode !== undefined) out.mode = o.mode;
  if (o.engine !== undefined) out.engine = o.engine;
  if (o['probe-modes'] !== undefined) out.probeModes = o['probe-modes'];
  if (o.alpha !== undefined) out.alpha = o.alpha;
  if (o.beta !== undefined) out.beta = o.beta;
  if (o['probe-update-start'] !== undefined) out.probeUpdateStart = o['probe-update-start'];
  if (o.seed !== undefined) out.seed = o.seed;
  return out;
}

export function readOptionsFrom(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (o['data-path']) out.dataPath = o['data-path'];
  if (o['translation-path']) out.translationPath = o['translation-path'];
  if (o['position-x-path']) out.positionXPath = o['position-x-path'];
  if (o['position-y-path']) out.positionYPath = o['position-y-path'];
  if (o['translation-is']) out.translationIs = o['translation-is'];
  if (o['position-scale'] !== undefined) out.positionScaleM = o['position-scale'];
  if (o['energy-unit']) out.energyUnit = o['energy-unit'];
  if (o['mask-path']) out.maskPath = o['mask-path'];
  if (o['mask-good']) out.maskGood = o['mask-good'];
  if (o['energy-path']) out.energyPath = o['energy-path'];
  if (o['distance-m'] !== undefined) out.detectorDistanceM = o['distance-m'];
  if (o['detector-pixel-um'] !== undefined) out.detectorPixelM = [(o['detector-pixel-um'] as number) * 1e-6, (o['detector-pixel-um'] as number) * 1e-6];
  if (o['swap-xy']) out.swapXY = true;
  if (o['flip-x']) out.flipX = true;
  if (o['flip-y']) out.flipY = true;
  if (o['energy-ev'] !== undefined) out.energyEv = o['energy-ev'];
  return Object.keys(out).length ? out : undefined;
}

/** A 'lo,hi' energy range given in eV (or keV, detected) as [lo, hi] eV. */
export function energyRange(v: unknown, name: string): [number, number] | undefined {
  if (v === undefined) return undefined;
  const parts = (v as string[]).map(Number);
  if (parts.length !== 2 || parts.some((x) => !Number.isFinite(x)) || parts[0] >= parts[1]) {
    throw new PtyxanesError('expected two increasing energies', { field: `--${name}`, expected: 'LO,HI in eV (e.g. 8270,8300)', found: (v as string[]).join(',') });
  }
  return (parts[1] < 100 ? parts.map((x) => x * 1000) : parts) as [number, number];
}

export function need(o: Record<string, unknown>, name: string, what: string): string {
  const v = o[name];
  if (typeof v !== 'string' || !v) throw new PtyxanesError(`missing --${name} ${what}`);
  return v;
}

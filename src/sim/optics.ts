/**
 * Complex refractive index n = 1 − δ + iβ of SC-NMC811 across the Ni K-edge, as a function
 * of energy and Ni oxidation state v.
 *
 * - Away from the edge: tabulated Chantler factors of Li, Ni, Mn, Co, O (scattering.ts).
 * - Ni near-edge f2: f2_Ni(E, v) = f2_pre(E) + [f2_post(E) − f2_pre(E)] · m(E, v), where
 *   f2_pre / f2_post are power laws fitted to the tabulated Ni f2 below / above its edge
 *   (so the measured edge is scaled to the tabulated Ni edge jump, with pre- and post-edge
 *   matching the table), and m(E, v) is the normalised measured μ (edge.ts).
 * - Ni f1: tabulated f1 plus the Kramers–Kronig transform of the near-edge difference
 *   f2_Ni(E, v) − f2_tab(E) (kk.ts), which moves and deepens the anomalous dip of δ at the
 *   edge (δ is not a constant).
 * The object transmission is O = exp(i·k·∫(−δ + iβ) dz), k = 2π/λ, so −ln|O| = k∫β dz
 * and arg O = −k∫δ dz.
 */
import { PtyxanesError, check } from '../core/errors.ts';
import { realArray, type RealArray } from '../core/arrays.ts';
import { wavelengthM } from '../core/frames.ts';
import { kramersKronigDelta } from './kk.ts';
import { atomicFactors, indexPrefactorM3, numberDensitiesPerM3, NMC811, TABLE_RANGE_EV, type Compound } from './scattering.ts';
import { edgeModel, MODEL_RANGE_EV, type EdgeModel } from './edge.ts';
import { taperWindow } from './taper.ts';

/** Uniform fine grid for the KK transform: the whole table range at 0.25 eV. */
const KK_STEP_EV = 0.25;

/** Oxidation-state nodes of the lookup tables (linear interpolation between them). */
export const STATE_NODES = { min: 0, step: 0.05, count: 91 } as const; // 0 … 4.5

export { MODEL_RANGE_EV };

interface NiNode {
  f1: Float64Array; // total f1 (Z + f′ + Δf1) on the KK grid
  f2: Float64Array;
}

class NiFactors {
  readonly e0 = TABLE_RANGE_EV[0];
  readonly n = Math.round((TABLE_RANGE_EV[1] - TABLE_RANGE_EV[0]) / KK_STEP_EV) + 1;
  readonly grid = Float64Array.from({ length: this.n }, (_, i) => this.e0 + i * KK_STEP_EV);
  private readonly f1Tab = this.grid.map((e) => atomicFactors('Ni', e).f1);
  private readonly f2Tab = this.grid.map((e) => atomicFactors('Ni', e).f2);
  private readonly f2Pre: Float64Array;
  private readonly f2Post: Float64Array;
  /** Confines Δf2 to the grid (cos² tapers over the first and last 50 eV). */
  private readonly window: Float64Array;
  private readonly nodes = new Map<number, NiNode>();

  constructor(readonly edge: EdgeModel) {
    const pre = fitPowerLaw(this.grid, this.f2Tab, this.e0, 8300);
    const post = fitPowerLaw(this.grid, this.f2Tab, 8360, TABLE_RANGE_EV[1]);
    this.f2Pre = this.grid.map((e) => pre(e));
    this.f2Post = this.grid.map((e) => post(e));
    const lo = this.grid[0];
    const hi = this.grid[this.n - 1];
    this.window = this.grid.map((e) => taperWindow(e, lo, lo + 50) * taperWindow(-e, -hi, -hi + 50));
  }

  /** Ni f1, f2 on the KK grid for state node j (cached). */
  node(j: number): NiNode {
    let nd = this.nodes.get(j);
    if (nd) return nd;
    const v = STATE_NODES.min + j * STATE_NODES.step;
    const m = this.edge.normalisedMu(this.grid, v);
    const f2 = new Float64Array(this.n);
    const d2 = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) {
      f2[i] = this.f2Pre[i] + (this.f2Post[i] - this.f2Pre[i]) * m[i];
      d2[i] = (f2[i] - this.f2Tab[i]) * this.window[i];
      f2[i] = this.f2Tab[i] + d2[i];
    }
    const d1 = kramersKronigDelta(d2, this.e0, KK_STEP_EV);
    const f1 = this.f1Tab.map((x, i) => x + d1[i]);
    nd = { f1, f2 };
    this.nodes.set(j, nd);
    return nd;
  }

  at(arr: Float64Array, energyEv: number): number {
    const x = (energyEv - this.e0) / KK_STEP_EV;
    const i = Math.min(Math.max(Math.floor(x), 0), this.n - 2);
    const t = x - i;
    return arr[i] + t * (arr[i + 1] - arr[i]);
  }
}

let shared: NiFactors | null = null;
function niFactors(): NiFactors {
  if (!shared) shared = new NiFactors(edgeModel());
  return shared;
}

/** Throws a one-line PtyxanesError unless every energy lies in the modelled range. */
export function checkEnergies(energiesEv: ArrayLike<number>, field = 'energiesEv'): void {
  check(energiesEv.length > 0, 'no energies given', { field, expected: 'at least one energy' });
  for (let i = 0; i < energiesEv.length; i++) {
    const e = energiesEv[i];
    if (!(e >= MODEL_RANGE_EV[0] && e <= MODEL_RANGE_EV[1])) {
      throw new PtyxanesError('energy outside the tabulated range of the optical model', { field: `${field}[${i}]`, expected: `${MODEL_RANGE_EV[0]}–${MODEL_RANGE_EV[1]} eV`, found: `${e} eV` });
    }
  }
}

/** Ni scattering factors (f1 = Z + f′ with the KK-derived near-edge part, f2) at state v. */
export function niScatteringFactors(energiesEv: ArrayLike<number>, state: number): { f1: Float64Array; f2: Float64Array } {
  checkEnergies(energiesEv);
  const nf = niFactors();
  const [j, t] = nodeOf(state);
  const a = nf.node(j);
  const b = nf.node(Math.min(j + 1, STATE_NODES.count - 1));
  const f1 = new Float64Array(energiesEv.length);
  const f2 = new Float64Array(energiesEv.length);
  for (let i = 0; i < energiesEv.length; i++) {
    f1[i] = (1 - t) * nf.at(a.f1, energiesEv[i]) + t * nf.at(b.f1, energiesEv[i]);
    f2[i] = (1 - t) * nf.at(a.f2, energiesEv[i]) + t * nf.at(b.f2, energiesEv[i]);
  }
  return { f1, f2 };
}

/**
 * δ and β of the compound at each energy and each state node: `delta[e * count + j]`.
 * Per-voxel values come from linear interpolation in v (exact for 2 ≤ v ≤ 3, where the
 * model is linear in v).
 */
export interface OpticalTable {
  energiesEv: number[];
  delta: Float64Array;
  beta: Float64Array;
}

export interface OpticalTableOptions {
  compound?: Compound;
  /**
   * States that will be looked up (min, max): only the nodes around them are computed (each
   * node costs a KK transform); states outside read the nearest computed node.
   */
  states?: [number, number];
}

export function opticalTable(energiesEv: ArrayLike<number>, opts: OpticalTableOptions = {}): OpticalTable {
  checkEnergies(energiesEv);
  const compound = opts.compound ?? NMC811;
  const last = STATE_NODES.count - 1;
  const [lo, hi] = opts.states ?? [STATE_NODES.min, STATE_NODES.min + last * STATE_NODES.step];
  const j0 = Math.max(0, Math.min(last, Math.floor((lo - STATE_NODES.min) / STATE_NODES.step) - 1));
  const j1 = Math.max(j0, Math.min(last, Math.ceil((hi - STATE_NODES.min) / STATE_NODES.step) + 1));
  const nf = niFactors();
  const dens = numberDensitiesPerM3(compound);
  const nNi = dens.Ni ?? 0;
  const count = STATE_NODES.count;
  const delta = new Float64Array(energiesEv.length * count);
  const beta = new Float64Array(energiesEv.length * count);
  for (let ie = 0; ie < energiesEv.length; ie++) {
    const e = energiesEv[ie];
    let s1 = 0;
    let s2 = 0;
    for (const [el, ni] of Object.entries(dens)) {
      if (el === 'Ni') continue;
      const f = atomicFactors(el, e);
      s1 += ni * f.f1;
      s2 += ni * f.f2;
    }
    const pref = indexPrefactorM3(e);
    for (let j = 0; j < count; j++) {
      const nd = nf.node(Math.min(Math.max(j, j0), j1));
      delta[ie * count + j] = pref * (s1 + nNi * nf.at(nd.f1, e));
      beta[ie * count + j] = pref * (s2 + nNi * nf.at(nd.f2, e));
    }
  }
  return { energiesEv: Array.from(energiesEv), delta, beta };
}

/** Lower node index and fraction for a state (clamped to the node range). */
export function nodeOf(state: number): [number, number] {
  const x = (Math.min(Math.max(state, STATE_NODES.min), STATE_NODES.min + (STATE_NODES.count - 1) * STATE_NODES.step) - STATE_NODES.min) / STATE_NODES.step;
  const j = Math.min(Math.floor(x), STATE_NODES.count - 2);
  return [j, x - j];
}

/** δ, β at energy index `ie` of a table and state v. */
export function indexAt(table: OpticalTable, ie: number, state: number): { delta: number; beta: number } {
  const [j, t] = nodeOf(state);
  const o = ie * STATE_NODES.count + j;
  return {
    delta: table.delta[o] + t * (table.delta[o + 1] - table.delta[o]),
    beta: table.beta[o] + t * (table.beta[o + 1] - table.beta[o]),
  };
}

/** δ, β of SC-NMC811 at one energy and Ni oxidation state. */
export function refractiveIndex(energyEv: number, state: number): { delta: number; beta: number } {
  return indexAt(opticalTable([energyEv], { states: [state, state] }), 0, state);
}

/**
 * Ground-truth projected spectra for single-state columns: for each energy,
 * attenuation = −ln|O| = k·β(E, v)·t and phaseRad = arg O = −k·δ(E, v)·t, with v from
 * `stateMap` and t from `thicknessM` (pixels with t = 0 give 0). Shapes: [h, w] in,
 * [nE, h, w] out. Because β and δ are linear in v on [2, 3], a column holding several
 * states between 2 and 3 gives exactly the spectrum of its thickness-weighted mean state,
 * so this reproduces the simulator's own projections from its truth maps.
 */
export function projectedSpectra(stateMap: RealArray, thicknessM: RealArray, energiesEv: ArrayLike<number>): { attenuation: RealArray; phaseRad: RealArray } {
  check(stateMap.data.length === thicknessM.data.length, 'state and thickness maps differ in size', { field: 'thicknessM', expected: `[${stateMap.shape}]`, found: `[${thicknessM.shape}]` });
  let lo = Infinity;
  let hi = -Infinity;
  stateMap.data.forEach((v, p) => {
    if (thicknessM.data[p] > 0 && Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  });
  const table = opticalTable(energiesEv, lo <= hi ? { states: [lo, hi] } : {});
  const n = stateMap.data.length;
  const attenuation = realArray([energiesEv.length, ...stateMap.shape]);
  const phaseRad = realArray([energiesEv.length, ...stateMap.shape]);
  for (let ie = 0; ie < energiesEv.length; ie++) {
    const k = (2 * Math.PI) / wavelengthM(energiesEv[ie]);
    for (let p = 0; p < n; p++) {
      const t = thicknessM.data[p];
      if (!(t > 0)) continue;
      const { delta, beta } = indexAt(table, ie, stateMap.data[p]);
      attenuation.data[ie * n + p] = k * beta * t;
      phaseRad.data[ie * n + p] = -k * delta * t;
    }
  }
  return { attenuation, phaseRad };
}

/** −ln|O| stack [nE, h, w] for a state map and a thickness map (m): see projectedSpectra. */
export function attenuationSpectra(stateMap: RealArray, thicknessM: RealArray, energiesEv: ArrayLike<number>): RealArray {
  return projectedSpectra(stateMap, thicknessM, energiesEv).attenuation;
}

// ---- helpers -----------------------------------------------------------------------------

/** Least-squares fit of log f = log a + p log E over [lo, hi]: returns E → a·E^p. */
function fitPowerLaw(e: Float64Array, f: Float64Array, lo: number, hi: number): (energyEv: number) => number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < e.length; i++) {
    if (e[i] < lo || e[i] > hi || !(f[i] > 0)) continue;
    const x = Math.log(e[i] / 8333);
    const y = Math.log(f[i]);
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const p = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const la = (sy - p * sx) / n;
  return (energyEv) => Math.exp(la + p * Math.log(energyEv / 8333));
}

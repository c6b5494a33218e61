/**
 * Phantom: an agglomerate of faceted, convex single crystals of SC-NMC811 (1–3 µm across,
 * random orientations), each a hexagonal platelet {n·(r − c) ≤ d} with jittered side faces
 * and optionally truncated corners, and a Ni oxidation-state field over it.
 *
 * Frame (sample, metres): x horizontal (object columns), y vertical (object rows), z along
 * the beam. 2D samples sit on a support (crystal centres within one radius of z = 0); 3D
 * samples fill a cylinder about the rotation axis. Tomography rotates about y (see rotatePhantomY). Where crystals touch and their
 * polyhedra overlap, a point belongs to the crystal listed first (no double density).
 *
 * Oxidation-state scenarios (the paper's 2D/3D observations, simplified):
 * - pristine:   per-crystal core ≈ 2.30 ± 0.03, slightly lower (−0.08) within ~80 nm of
 *               the surface: narrow spread around Ni2.3+.
 * - cycled-200: surface ≈ 2.30–2.40 rising to a core of 2.5–3.1 (decay 200–400 nm), and in
 *               70 % of the crystals 1–3 slabs (80–200 nm thick) of Ni3.2–3.5+ parallel to
 *               the basal (003) plane, i.e. along the Li layers: ≈ Ni2.3+…3.5+.
 * - cycled-500: 80 % of the crystals with a core of 3.0–3.4, the rest near pristine
 *               (2.30–2.45), all with a thick (100–250 nm, vs ~80 nm when pristine)
 *               lower-valence surface layer of 2.10–2.35 (rocksalt-like), edge width 30 nm.
 */
import { Rng } from './rng.ts';
import { PtyxanesError } from '../core/errors.ts';

export type Scenario = 'pristine' | 'cycled-200' | 'cycled-500';
export const SCENARIOS: readonly Scenario[] = ['pristine', 'cycled-200', 'cycled-500'];

export type Vec3 = [number, number, number];

export interface StateField {
  coreState: number;
  surfaceState: number;
  /** 'exp': core + (surface − core)·exp(−depth/depthM); 'layer': logistic step at depthM. */
  profile: 'exp' | 'layer';
  depthM: number;
  /** Width of the logistic step ('layer'). */
  edgeM: number;
  /** Slabs: |n·(r − c) − offset| ≤ halfWidth → slabState. */
  slabs: { normal: Vec3; offsetsM: number[]; halfWidthM: number; state: number } | null;
}

export interface Crystal {
  centerM: Vec3;
  /** Unit face normals, lab frame, xyz triplets. */
  normals: Float64Array;
  /** Face distances from the centre (m): inside ⇔ n_k·(r − c) ≤ d_k for all k. */
  offsetsM: Float64Array;
  /** Bounding-sphere radius (m). */
  radiusM: number;
  /** Crystal c axis (basal-plane normal), lab frame. */
  cAxis: Vec3;
  state: StateField;
}

export interface Phantom {
  scenario: Scenario;
  seed: number;
  crystals: Crystal[];
}

export interface PhantomOptions {
  scenario: Scenario;
  seed: number;
  /** Number of crystals. */
  count: number;
  /** Crystal size range (across the flats), m. */
  sizeRangeM: [number, number];
  /** '2d': a flattish cluster on a support (z spread reduced); '3d': a compact 3D cluster. */
  kind: '2d' | '3d';
  /**
   * Region for the crystals: 2d: |x| ≤ ex/2, |y| ≤ ey/2 (whole crystals);
   * 3d: inside the cylinder √(x²+z²) ≤ ex/2 around the rotation axis, |y| ≤ ey/2.
   */
  extentM: [number, number];
}

export function makePhantom(opts: PhantomOptions): Phantom {
  if (!SCENARIOS.includes(opts.scenario)) {
    throw new PtyxanesError('unknown scenario', { field: 'scenario', expected: SCENARIOS.join(', '), found: String(opts.scenario) });
  }
  const rng = Rng.stream(opts.seed, 'phantom');
  const crystals: Crystal[] = [];
  const [ex, ey] = opts.extentM;
  for (let i = 0; i < opts.count; i++) {
    const size = rng.range(opts.sizeRangeM[0], opts.sizeRangeM[1]);
    const shape = crystalShape(rng, size);
    let placed: Vec3 | null = null;
    for (let attempt = 0; attempt < 400 && !placed; attempt++) {
      const c = proposeCentre(rng, crystals, shape.radiusM, opts.kind, ex, ey);
      if (fits(c, shape.radiusM, crystals, opts.kind, ex, ey)) placed = c;
    }
    if (!placed) break; // the region is full: keep the crystals placed so far
    const state = stateField(rng, opts.scenario, shape.cAxis, shape.radiusM);
    crystals.push({ ...shape, centerM: placed, state });
  }
  if (crystals.length === 0) {
    throw new PtyxanesError('no crystal fits in the sample region', { field: 'sample.extentM', expected: `larger than the crystals (${opts.sizeRangeM[1] * 1e6} µm)`, found: `[${ex * 1e6}, ${ey * 1e6}] µm` });
  }
  return { scenario: opts.scenario, seed: opts.seed, crystals };
}

/** Depth below the surface (m): min_k (d_k − n_k·(r − c)); negative outside. */
export function depthM(c: Crystal, x: number, y: number, z: number): number {
  const dx = x - c.centerM[0];
  const dy = y - c.centerM[1];
  const dz = z - c.centerM[2];
  const n = c.normals;
  let best = Infinity;
  for (let k = 0; k < c.offsetsM.length; k++) {
    const d = c.offsetsM[k] - (n[3 * k] * dx + n[3 * k + 1] * dy + n[3 * k + 2] * dz);
    if (d < best) best = d;
  }
  return best;
}

/** Ni oxidation state at a point inside crystal c. */
export function stateAt(c: Crystal, x: number, y: number, z: number): number {
  const slabs = c.state.slabs;
  const h = slabs ? slabs.normal[0] * (x - c.centerM[0]) + slabs.normal[1] * (y - c.centerM[1]) + slabs.normal[2] * (z - c.centerM[2]) : 0;
  return stateFromGeometry(c.state, depthM(c, x, y, z), h);
}

/** State from the depth below the surface and the coordinate along the slab normal. */
export function stateFromGeometry(s: StateField, depth: number, slabCoordM: number): number {
  const slabs = s.slabs;
  if (slabs) for (const o of slabs.offsetsM) if (Math.abs(slabCoordM - o) <= slabs.halfWidthM) return slabs.state;
  const d = depth > 0 ? depth : 0;
  const f = s.profile === 'exp' ? Math.exp(-d / s.depthM) : 1 / (1 + Math.exp((d - s.depthM) / s.edgeM));
  return s.coreState + (s.surfaceState - s.coreState) * f;
}

/** Lowest and highest state the phantom can take (for lookup-table node ranges). */
export function stateRange(ph: Phantom): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of ph.crystals) {
    const s = c.state;
    for (const v of [s.coreState, s.surfaceState, ...(s.slabs ? [s.slabs.state] : [])]) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return [lo, hi];
}

/** The phantom rotated by angleRad about the y axis: r_lab = R_y(θ)·r_sample. */
export function rotatePhantomY(ph: Phantom, angleRad: number): Phantom {
  const co = Math.cos(angleRad);
  const si = Math.sin(angleRad);
  const rot = (v: ArrayLike<number>, o = 0): Vec3 => [co * v[o] + si * v[o + 2], v[o + 1], -si * v[o] + co * v[o + 2]];
  return {
    ...ph,
    crystals: ph.crystals.map((c) => {
      const normals = new Float64Array(c.normals.length);
      for (let k = 0; k < c.offsetsM.length; k++) normals.set(rot(c.normals, 3 * k), 3 * k);
      const slabs = c.state.slabs ? { ...c.state.slabs, normal: rot(c.state.slabs.normal) } : null;
      return { ...c, centerM: rot(c.centerM), normals, cAxis: rot(c.cAxis), state: { ...c.state, slabs } };
    }),
  };
}

/** The phantom moved by (dx, dy, dz) metres. */
export function translatePhantom(ph: Phantom, d: Vec3): Phantom {
  return { ...ph, crystals: ph.crystals.map((c) => ({ ...c, centerM: [c.centerM[0] + d[0], c.centerM[1] + d[1], c.centerM[2] + d[2]] as Vec3 })) };
}

// ---- construction ------------------------------------------------------------------------

function crystalShape(rng: Rng, sizeM: number): Omit<Crystal, 'centerM' | 'state'> {
  const aspect = rng.range(0.55, 1.0);
  const halfH = (aspect * sizeM) / 2;
  const apothem = sizeM / 2;
  const phi0 = rng.range(0, Math.PI / 3);
  const faces: { n: Vec3; d: number }[] = [
    { n: [0, 0, 1], d: halfH },
    { n: [0, 0, -1], d: halfH },
  ];
  for (let k = 0; k < 6; k++) {
    const a = phi0 + (k * Math.PI) / 3;
    faces.push({ n: [Math.cos(a), Math.sin(a), 0], d: apothem * rng.range(0.88, 1.12) });
  }
  if (rng.uniform() < 0.7) {
    // Corner truncations alternating up/down (rhombohedral-looking {104}-like facets).
    const corner = Math.hypot(apothem / Math.cos(Math.PI / 6), halfH);
    const tilt = (55 * Math.PI) / 180;
    for (let k = 0; k < 6; k++) {
      const a = phi0 + Math.PI / 6 + (k * Math.PI) / 3;
      const n: Vec3 = [Math.sin(tilt) * Math.cos(a), Math.sin(tilt) * Math.sin(a), (k % 2 ? -1 : 1) * Math.cos(tilt)];
      const reach = (Math.sin(tilt) * apothem) / Math.cos(Math.PI / 6) + Math.cos(tilt) * halfH;
      faces.push({ n, d: Math.min(reach, corner) * (1 - rng.range(0.08, 0.25)) });
    }
  }
  const R = randomRotation(rng);
  const normals = new Float64Array(3 * faces.length);
  const offsetsM = new Float64Array(faces.length);
  faces.forEach((f, k) => {
    normals.set(mul(R, f.n), 3 * k);
    offsetsM[k] = f.d;
  });
  const radiusM = Math.hypot((1.12 * apothem) / Math.cos(Math.PI / 6), halfH);
  return { normals, offsetsM, radiusM, cAxis: mul(R, [0, 0, 1]) };
}

function stateField(rng: Rng, scenario: Scenario, cAxis: Vec3, radiusM: number): StateField {
  if (scenario === 'pristine') {
    const core = 2.3 + 0.03 * clampNormal(rng);
    return { coreState: core, surfaceState: core - 0.08, profile: 'exp', depthM: 80e-9, edgeM: 0, slabs: null };
  }
  if (scenario === 'cycled-200') {
    let slabs: StateField['slabs'] = null;
    if (rng.uniform() < 0.7) {
      const n = 1 + rng.int(3);
      const offsetsM = Array.from({ length: n }, () => rng.range(-0.45, 0.45) * radiusM);
      slabs = { normal: cAxis, offsetsM, halfWidthM: rng.range(40e-9, 100e-9), state: rng.range(3.2, 3.5) };
    }
    return { coreState: rng.range(2.5, 3.1), surfaceState: rng.range(2.3, 2.4), profile: 'exp', depthM: rng.range(200e-9, 400e-9), edgeM: 0, slabs };
  }
  const aged = rng.uniform() < 0.8;
  return {
    coreState: aged ? rng.range(3.0, 3.4) : rng.range(2.3, 2.45),
    surfaceState: rng.range(2.1, 2.35),
    profile: 'layer',
    depthM: rng.range(100e-9, 250e-9),
    edgeM: 30e-9,
    slabs: null,
  };
}

function proposeCentre(rng: Rng, crystals: Crystal[], r: number, kind: '2d' | '3d', ex: number, ey: number): Vec3 {
  // The first crystal anywhere in the inner part of the region (not always dead centre,
  // which in a small 3D cylinder would leave no room for the others).
  if (crystals.length === 0) return [rng.range(-0.25, 0.25) * ex, rng.range(-0.25, 0.25) * ey, kind === '3d' ? rng.range(-0.25, 0.25) * ex : 0];
  const host = crystals[rng.int(crystals.length)];
  // Direction: isotropic in 3d; in 2d mostly in the support plane (flattish cluster).
  let d: Vec3 = [rng.normal(), rng.normal(), rng.normal() * (kind === '2d' ? 0.3 : 1)];
  const len = Math.hypot(...d) || 1;
  d = [d[0] / len, d[1] / len, d[2] / len];
  const dist = (host.radiusM + r) * rng.range(0.72, 0.92);
  return [host.centerM[0] + d[0] * dist, host.centerM[1] + d[1] * dist, host.centerM[2] + d[2] * dist];
}

function fits(c: Vec3, r: number, crystals: Crystal[], kind: '2d' | '3d', ex: number, ey: number): boolean {
  if (kind === '2d') {
    // On a support: whole crystals inside the region, centres within ±r of the support plane.
    if (Math.abs(c[0]) + r > ex / 2 || Math.abs(c[1]) + r > ey / 2 || Math.abs(c[2]) > r) return false;
  } else if (Math.hypot(c[0], c[2]) + r > ex / 2 || Math.abs(c[1]) + r > ey / 2) return false;
  // Bounding spheres may interpenetrate a little (the polyhedra sit well inside them).
  for (const o of crystals) {
    const dist = Math.hypot(c[0] - o.centerM[0], c[1] - o.centerM[1], c[2] - o.centerM[2]);
    if (dist < 0.7 * (r + o.radiusM)) return false;
  }
  return true;
}

function clampNormal(rng: Rng): number {
  return Math.max(-2.5, Math.min(2.5, rng.normal()));
}

type Mat3 = number[];

/** Uniform random rotation (unit quaternion from three uniforms, Shoemake). */
function randomRotation(rng: Rng): Mat3 {
  const u1 = rng.uniform();
  const u2 = rng.uniform() * 2 * Math.PI;
  const u3 = rng.uniform() * 2 * Math.PI;
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const [w, x, y, z] = [a * Math.sin(u2), a * Math.cos(u2), b * Math.sin(u3), b * Math.cos(u3)];
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
    2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
    2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
  ];
}

function mul(m: Mat3, v: Vec3): Vec3 {
  return [m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2], m[6] * v[0] + m[7] * v[1] + m[8] * v[2]];
}

/**
 * Rendering the phantom: 2D projections along z (the beam) and 3D voxel volumes, both by
 * walking the same z lattice through columns. Each crystal's chord through a column is
 * found exactly from its face planes (convex polyhedron), so only points inside crystals
 * are visited; a point owned by an earlier crystal is skipped. Along a column every face
 * distance is linear in z, so the depth below the surface costs one multiply-add per face.
 *
 * Projections carry "node thickness" maps: the path length through material whose state
 * lies near each oxidation-state node of the optical tables (hat weights of the linear
 * interpolation in v). ∫δ dz and ∫β dz at any energy are then exact weighted sums of these
 * maps (integrateOptics), so a projection is rendered once and reused for every energy.
 *
 * Grids: pixel (i, j) of a 2D grid has its centre at (originM[0] + i·pixelM,
 * originM[1] + j·pixelM) (i = column/x, j = row/y). With supersample s, each pixel is
 * sampled by s×s sub-columns and the z lattice has step pixelM/s (or dzM).
 */
import { STATE_NODES, type OpticalTable } from './optics.ts';
import { stateFromGeometry, stateRange, type Crystal, type Phantom } from './phantom.ts';

export interface Grid2d {
  nx: number;
  ny: number;
  pixelM: number;
  /** Centre of pixel (0, 0), (x, y) in metres. */
  originM: [number, number];
}

export interface Grid3d {
  nx: number;
  ny: number;
  nz: number;
  voxelM: number;
  /** Centre of voxel (0, 0, 0), (x, y, z) in metres. */
  originM: [number, number, number];
}

/** Range of state nodes [first, first + count) carried by node maps. */
export interface NodeRange {
  first: number;
  count: number;
}

/** Per-pixel line integrals along z. */
export interface ProjectionMaps {
  grid: Grid2d;
  /** ∫ dz over material (m). */
  thicknessM: Float32Array;
  /** ∫ v dz (valence·m): divide by thickness for the thickness-weighted mean state. */
  stateIntegralM: Float32Array;
  /** Node thickness maps [count, ny, nx] (m), for the node range given. */
  nodes: NodeRange;
  nodeThicknessM: Float32Array;
  /** 1 + index of the crystal with the longest chord through the pixel, 0 = none. */
  labels: Float32Array;
}

export interface RenderOptions {
  /** Sub-columns per pixel side (default 1). */
  supersample?: number;
  /** z lattice step (default pixelM / supersample). */
  dzM?: number;
  /** z lattice: sample m sits at zStartM + (m + 0.5)·dz (default 0). */
  zStartM?: number;
  /** Node range of the maps (default: the phantom's state range). */
  nodes?: NodeRange;
}

/** Nodes covering the phantom's states (one node of margin each side). */
export function nodeRangeFor(ph: Phantom): NodeRange {
  const [lo, hi] = stateRange(ph);
  const last = STATE_NODES.count - 1;
  const first = Math.max(0, Math.min(last - 1, Math.floor((lo - STATE_NODES.min) / STATE_NODES.step) - 1));
  const end = Math.min(last, Math.max(first + 1, Math.ceil((hi - STATE_NODES.min) / STATE_NODES.step) + 1));
  return { first, count: end - first + 1 };
}

/** Hat weights of state v over the node range: lower node index (relative) and fraction. */
function hat(v: number, nodes: NodeRange): [number, number] {
  let x = (v - STATE_NODES.min) / STATE_NODES.step - nodes.first;
  const last = nodes.count - 1;
  x = x < 0 ? 0 : x > last ? last : x;
  const j = x >= last ? last - 1 : Math.floor(x);
  return [j, x - j];
}

interface Chord {
  k: number;
  lo: number;
  hi: number;
  /** Per face: b_f = d_f − n_f·(x − c) in the column's x, y; depth(z) = min_f b_f − a_f·(z − c_z). */
  b: Float64Array;
  /** Slab coordinate at z = c_z. */
  h0: number;
}

/** Samples of one column: lattice index, state and crystal of each material point. */
class ColumnSamples {
  m = new Int32Array(1024);
  state = new Float64Array(1024);
  crystal = new Int32Array(1024);
  count = 0;
  longestK = -1;
  longestM = 0;
  readonly chords: Chord[] = [];

  push(m: number, v: number, k: number): void {
    if (this.count === this.m.length) {
      const n = 2 * this.m.length;
      const [a, b, c] = [new Int32Array(n), new Float64Array(n), new Int32Array(n)];
      a.set(this.m);
      b.set(this.state);
      c.set(this.crystal);
      [this.m, this.state, this.crystal] = [a, b, c];
    }
    this.m[this.count] = m;
    this.state[this.count] = v;
    this.crystal[this.count++] = k;
  }
}

/** Chords of all crystals through the column (x, y), in crystal order. */
function chords(crystals: Crystal[], x: number, y: number, out: Chord[]): number {
  let n = 0;
  for (let k = 0; k < crystals.length; k++) {
    const c = crystals[k];
    const dx = x - c.centerM[0];
    const dy = y - c.centerM[1];
    if (dx * dx + dy * dy > c.radiusM * c.radiusM) continue;
    const faces = c.offsetsM.length;
    if (!out[n] || out[n].b.length < faces) out[n] = { k, lo: 0, hi: 0, b: new Float64Array(Math.max(faces, 16)), h0: 0 };
    const ch = out[n];
    let lo = -Infinity;
    let hi = Infinity;
    const nrm = c.normals;
    for (let f = 0; f < faces; f++) {
      const a = nrm[3 * f + 2];
      const b = c.offsetsM[f] - nrm[3 * f] * dx - nrm[3 * f + 1] * dy;
      ch.b[f] = b;
      if (Math.abs(a) < 1e-12) {
        if (b < 0) hi = -Infinity;
      } else if (a > 0) hi = Math.min(hi, b / a);
      else lo = Math.max(lo, b / a);
    }
    if (lo < hi) {
      const sl = c.state.slabs;
      ch.k = k;
      ch.lo = lo + c.centerM[2];
      ch.hi = hi + c.centerM[2];
      ch.h0 = sl ? sl.normal[0] * dx + sl.normal[1] * dy : 0;
      n++;
    }
  }
  return n;
}

/** Collects every z-lattice point of the column (x, y) inside a crystal. */
function walkColumn(crystals: Crystal[], x: number, y: number, zStart: number, dz: number, out: ColumnSamples): void {
  const buf = out.chords;
  const n = chords(crystals, x, y, buf);
  out.count = 0;
  out.longestK = -1;
  out.longestM = 0;
  for (let a = 0; a < n; a++) {
    const ch = buf[a];
    if (ch.hi - ch.lo > out.longestM) {
      out.longestK = ch.k;
      out.longestM = ch.hi - ch.lo;
    }
    const c = crystals[ch.k];
    const nrm = c.normals;
    const faces = c.offsetsM.length;
    const slabNz = c.state.slabs ? c.state.slabs.normal[2] : 0;
    const m0 = Math.ceil((ch.lo - zStart) / dz - 0.5);
    const m1 = Math.floor((ch.hi - zStart) / dz - 0.5);
    for (let m = m0; m <= m1; m++) {
      const z = zStart + (m + 0.5) * dz;
      let owned = false;
      for (let b = 0; b < a; b++) if (z >= buf[b].lo && z <= buf[b].hi) owned = true;
      if (owned) continue;
      const zr = z - c.centerM[2];
      let depth = Infinity;
      for (let f = 0; f < faces; f++) {
        const d = ch.b[f] - nrm[3 * f + 2] * zr;
        if (d < depth) depth = d;
      }
      out.push(m, stateFromGeometry(c.state, depth, ch.h0 + slabNz * zr), ch.k);
    }
  }
}

/** Line integrals of the phantom along z on a 2D grid. */
export function renderProjection(ph: Phantom, grid: Grid2d, opts: RenderOptions = {}): ProjectionMaps {
  const s = opts.supersample ?? 1;
  const dz = opts.dzM ?? grid.pixelM / s;
  const zStart = opts.zStartM ?? 0;
  const nodes = opts.nodes ?? nodeRangeFor(ph);
  const npx = grid.nx * grid.ny;
  const thicknessM = new Float32Array(npx);
  const stateIntegralM = new Float32Array(npx);
  const labels = new Float32Array(npx);
  const nodeThicknessM = new Float32Array(nodes.count * npx);
  const acc = new Float64Array(nodes.count);
  const w = dz / (s * s);
  const lastNode = nodes.count - 1;
  const col = new ColumnSamples();
  for (let j = 0; j < grid.ny; j++) {
    for (let i = 0; i < grid.nx; i++) {
      let t = 0;
      let vs = 0;
      let bestK = -1;
      let bestLen = 0;
      acc.fill(0);
      for (let sy = 0; sy < s; sy++) {
        const y = grid.originM[1] + (j + (sy + 0.5) / s - 0.5) * grid.pixelM;
        for (let sx = 0; sx < s; sx++) {
          const x = grid.originM[0] + (i + (sx + 0.5) / s - 0.5) * grid.pixelM;
          walkColumn(ph.crystals, x, y, zStart, dz, col);
          if (col.longestM > bestLen) [bestK, bestLen] = [col.longestK, col.longestM];
          for (let q = 0; q < col.count; q++) {
            const v = col.state[q];
            t += w;
            vs += w * v;
            // Hat weights over the node range (inlined: hot loop).
            let xn = (v - STATE_NODES.min) / STATE_NODES.step - nodes.first;
            xn = xn < 0 ? 0 : xn > lastNode ? lastNode : xn;
            const jn = xn >= lastNode ? lastNode - 1 : Math.floor(xn);
            acc[jn] += w * (1 - (xn - jn));
            acc[jn + 1] += w * (xn - jn);
          }
        }
      }
      const p = j * grid.nx + i;
      thicknessM[p] = t;
      stateIntegralM[p] = vs;
      labels[p] = bestK + 1;
      if (t > 0) for (let k = 0; k < nodes.count; k++) nodeThicknessM[k * npx + p] = acc[k];
    }
  }
  return { grid, thicknessM, stateIntegralM, nodes, nodeThicknessM, labels };
}

/** ∫δ dz and ∫β dz (m) at energy index `ie` of a table, from node maps (exact). */
export function integrateOptics(maps: Pick<ProjectionMaps, 'nodes' | 'nodeThicknessM'>, table: OpticalTable, ie: number): { deltaIntegralM: Float32Array; betaIntegralM: Float32Array } {
  const { first, count } = maps.nodes;
  const npx = maps.nodeThicknessM.length / count;
  const deltaIntegralM = new Float32Array(npx);
  const betaIntegralM = new Float32Array(npx);
  for (let k = 0; k < count; k++) {
    const d = table.delta[ie * STATE_NODES.count + first + k];
    const b = table.beta[ie * STATE_NODES.count + first + k];
    const t = maps.nodeThicknessM.subarray(k * npx, (k + 1) * npx);
    for (let p = 0; p < npx; p++) {
      const x = t[p];
      if (x === 0) continue;
      deltaIntegralM[p] += d * x;
      betaIntegralM[p] += b * x;
    }
  }
  return { deltaIntegralM, betaIntegralM };
}

/** Voxel volume, layout [nz, ny, nx] (z pages; each page an x–y image like a projection). */
export interface Volume {
  grid: Grid3d;
  /** Fraction of the voxel inside a crystal. */
  occupancy: Float32Array;
  /** Mean Ni oxidation state over the voxel's material (0 where empty). */
  state: Float32Array;
  /** 1 + crystal index at the voxel, 0 = empty. */
  labels: Float32Array;
}

/** Samples the phantom on a 3D grid with s³ sub-samples per voxel. */
export function voxelize(ph: Phantom, grid: Grid3d, supersample = 1): Volume {
  const s = supersample;
  const { nx, ny, nz, voxelM } = grid;
  const n = nx * ny * nz;
  const count = new Float32Array(n);
  const sum = new Float32Array(n);
  const labels = new Float32Array(n);
  const dz = voxelM / s;
  const zStart = grid.originM[2] - voxelM / 2;
  const col = new ColumnSamples();
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const base = j * nx + i;
      for (let sy = 0; sy < s; sy++) {
        const y = grid.originM[1] + (j + (sy + 0.5) / s - 0.5) * voxelM;
        for (let sx = 0; sx < s; sx++) {
          const x = grid.originM[0] + (i + (sx + 0.5) / s - 0.5) * voxelM;
          walkColumn(ph.crystals, x, y, zStart, dz, col);
          for (let q = 0; q < col.count; q++) {
            const iz = Math.floor(col.m[q] / s);
            if (iz < 0 || iz >= nz) continue;
            const p = iz * nx * ny + base;
            count[p] += 1;
            sum[p] += col.state[q];
            labels[p] = col.crystal[q] + 1; // last sample wins: crystals rarely share a voxel
          }
        }
      }
    }
  }
  const occupancy = new Float32Array(n);
  const state = new Float32Array(n);
  const s3 = s * s * s;
  for (let p = 0; p < n; p++) {
    if (count[p] > 0) {
      occupancy[p] = count[p] / s3;
      state[p] = sum[p] / count[p];
    }
  }
  return { grid, occupancy, state, labels };
}

/** Line integrals of a voxel volume along z (each voxel at its mean state). */
export function projectVolume(vol: Volume, nodes: NodeRange): ProjectionMaps {
  const { nx, ny, nz, voxelM, originM } = vol.grid;
  const npx = nx * ny;
  const grid: Grid2d = { nx, ny, pixelM: voxelM, originM: [originM[0], originM[1]] };
  const thicknessM = new Float32Array(npx);
  const stateIntegralM = new Float32Array(npx);
  const labels = new Float32Array(npx);
  const best = new Float32Array(npx);
  const nodeThicknessM = new Float32Array(nodes.count * npx);
  for (let iz = 0; iz < nz; iz++) {
    for (let p = 0; p < npx; p++) {
      const q = iz * npx + p;
      const occ = vol.occupancy[q];
      if (!(occ > 0)) continue;
      const w = occ * voxelM;
      const v = vol.state[q];
      thicknessM[p] += w;
      stateIntegralM[p] += w * v;
      if (w > best[p]) [best[p], labels[p]] = [w, vol.labels[q]];
      const [jn, f] = hat(v, nodes);
      nodeThicknessM[jn * npx + p] += w * (1 - f);
      nodeThicknessM[(jn + 1) * npx + p] += w * f;
    }
  }
  return { grid, thicknessM, stateIntegralM, nodes, nodeThicknessM, labels };
}

/** Thickness-weighted mean state (NaN where no material). */
export function meanStateMap(maps: Pick<ProjectionMaps, 'thicknessM' | 'stateIntegralM'>): Float32Array {
  return maps.stateIntegralM.map((v, p) => (maps.thicknessM[p] > 0 ? v / maps.thicknessM[p] : NaN));
}

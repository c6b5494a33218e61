/**
 * Synthetic oxidation-state phantoms with known crystals and profiles, to check analysis
 * settings and for the tests: discs (maps) and balls (volumes) with known centres and
 * radii, a state given as a function of the depth below each crystal's surface, Gaussian
 * noise from a seeded generator, and an edge-step map (1 in crystals, 0 outside, ±0.02 noise).
 */
export interface Ball {
  /** Centre per axis in array order ([y,x] or [z,y,x]), pixels. */
  c: number[];
  /** Radius (pixels). */
  r: number;
}

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gauss(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

export interface Phantom {
  shape: number[];
  /** Index of the owning ball + 1 (0 = background); a voxel in two balls goes to the nearer centre. */
  truth: Int32Array;
  state: Float32Array;
  std: Float32Array;
  edgeStep: Float32Array;
}

/**
 * Balls in an array of `shape`; state(depthPx, ball) gives the noise-free state at a voxel
 * `depthPx` pixels below the ball's surface (r − |x − c|).
 */
export function ballPhantom(shape: number[], balls: Ball[], state: (depthPx: number, ball: number, coords: number[]) => number, noise = 0, seed = 1): Phantom {
  const n = shape.reduce((a, b) => a * b, 1);
  const truth = new Int32Array(n);
  const st = new Float32Array(n).fill(NaN);
  const sd = new Float32Array(n).fill(NaN);
  const edge = new Float32Array(n);
  const g = gauss(rng(seed));
  const c = new Array<number>(shape.length);
  for (let i = 0; i < n; i++) {
    let r = i;
    for (let a = shape.length - 1; a >= 0; a--) {
      c[a] = r % shape[a];
      r = Math.floor(r / shape[a]);
    }
    let best = -1, bestD = Infinity;
    balls.forEach((b, k) => {
      const d = Math.hypot(...b.c.map((v, a) => c[a] - v));
      if (d < b.r && d - b.r < bestD) {
        bestD = d - b.r;
        best = k;
      }
    });
    edge[i] = 0.02 * g();
    if (best < 0) continue;
    truth[i] = best + 1;
    edge[i] += 1;
    st[i] = state(-bestD, best, c) + noise * g();
    sd[i] = noise || 0.01;
  }
  return { shape, truth, state: st, std: sd, edgeStep: edge };
}

/** For each true ball, the best-overlapping label and the fraction of its voxels in it (and label purity). */
export function overlaps(truth: Int32Array, labels: Int32Array, nTrue: number): { label: number; recall: number; precision: number }[] {
  const out = [];
  for (let k = 1; k <= nTrue; k++) {
    const counts = new Map<number, number>();
    let nk = 0;
    for (let i = 0; i < truth.length; i++) if (truth[i] === k) {
      nk++;
      if (labels[i]) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
    }
    let label = 0, best = 0;
    for (const [l, c] of counts) if (c > best) { best = c; label = l; }
    let nl = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] === label) nl++;
    out.push({ label, recall: best / nk, precision: nl ? best / nl : 0 });
  }
  return out;
}

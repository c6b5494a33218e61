/**
 * Position order for one ePIE iteration, the same on every backend given the seed.
 *
 * Frames live in chunks (contiguous frame ranges that are resident together, see
 * amplitude-store.ts). Each iteration visits the chunks in a fresh random order and, inside
 * a chunk, the positions in a fresh random order: one at a time (sequential ePIE) or in
 * batches of consecutive positions of that order (parallel mode).
 */

/** Small fast seeded PRNG (mulberry32); state advances per call. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    // Mix the seed so nearby seeds give unrelated streams.
    let s = (seed >>> 0) ^ 0x9e3779b9;
    s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
    s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
    this.state = (s ^ (s >>> 16)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** In-place Fisher–Yates shuffle. */
export function shuffle(a: Int32Array, rng: Rng): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

export function range(start: number, count: number): Int32Array {
  const a = new Int32Array(count);
  for (let i = 0; i < count; i++) a[i] = start + i;
  return a;
}

/** One visit of a chunk in an iteration: global frame indices in processing order, cut into batches. */
export interface ChunkVisit {
  chunk: number;
  /** Global frame indices, in the order they are processed. */
  frames: Int32Array;
  /** [start, count) ranges into `frames`; each batch is processed together (length-1 batches in sequential mode). */
  batches: Array<[number, number]>;
}

export interface OrderSpec {
  mode: 'sequential' | 'parallel';
  /** Chunk c holds frames [chunkStarts[c], chunkStarts[c+1]). */
  chunkStarts: number[];
  ix: Int32Array;
  iy: Int32Array;
  /** Positions per batch in parallel mode. */
  batchSize: number;
}

export interface IterationPlan {
  visits: ChunkVisit[];
}

/** The visits of one iteration. Consumes the RNG identically on every backend. */
export function iterationPlan(spec: OrderSpec, rng: Rng): IterationPlan {
  const nChunks = spec.chunkStarts.length - 1;
  const chunkOrder = shuffle(range(0, nChunks), rng);
  const visits: ChunkVisit[] = [];
  for (const c of chunkOrder) {
    const start = spec.chunkStarts[c];
    const order = shuffle(range(start, spec.chunkStarts[c + 1] - start), rng);
    // Parallel mode: consecutive slices of the random order, so a batch is spread over the chunk.
    const size = spec.mode === 'sequential' ? 1 : Math.max(1, spec.batchSize);
    const batches: Array<[number, number]> = [];
    for (let i = 0; i < order.length; i += size) batches.push([i, Math.min(size, order.length - i)]);
    visits.push({ chunk: c, frames: order, batches });
  }
  return { visits };
}

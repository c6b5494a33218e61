/**
 * The exact k-th smallest float32 value of data seen in chunks, in two passes and bounded
 * memory: pass 1 counts values by the top 16 bits of an order-preserving key of their bits
 * (65 536 buckets), pass 2 keeps only the values of the bucket holding rank k and sorts
 * them. Same answer as `Float32Array.from(all).sort()[k]` (NaN sorts last, −0 before +0),
 * so a percentile taken over a volume read in slabs equals the in-memory one.
 */
const BUCKETS = 65536;

/** Order-preserving unsigned key of a float32's bits (NaN: above everything, as TypedArray sort places it). */
function keyOf(bits: number, value: number): number {
  if (value !== value) return 0xffffffff;
  return bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
}

export class StreamQuantile {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private bucket = -1;
  private below = 0;
  private kept: number[] = [];

  constructor(private readonly rankOf: (n: number) => number) {}

  /** Pass 1: every value once. */
  count(values: Float32Array): void {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < values.length; i++) this.counts[keyOf(bits[i], values[i]) >>> 16]++;
    this.total += values.length;
  }

  /** Between the passes: which bucket holds the rank. */
  private locate(): void {
    const k = this.rankOf(this.total);
    let c = 0;
    for (let b = 0; b < BUCKETS; b++) {
      if (c + this.counts[b] > k) {
        this.bucket = b;
        this.below = c;
        return;
      }
      c += this.counts[b];
    }
  }

  /** Pass 2: the same values again, in any chunking. */
  collect(values: Float32Array): void {
    if (this.bucket < 0) this.locate();
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    for (let i = 0; i < values.length; i++) if (keyOf(bits[i], values[i]) >>> 16 === this.bucket) this.kept.push(values[i]);
  }

  /** The value of rank `rankOf(total)` in ascending float32 order. */
  value(): number {
    if (this.bucket < 0) this.locate();
    const s = Float32Array.from(this.kept).sort();
    return s[this.rankOf(this.total) - this.below];
  }
}

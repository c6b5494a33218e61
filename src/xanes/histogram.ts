/**
 * Histogram of oxidation states (the paper's Fig. 5g: counts per 0.05 valence bin), with
 * bins aligned to multiples of the bin width so histograms of different runs line up.
 */
import { check } from '../core/errors.ts';

export interface Histogram {
  /** counts.length + 1 increasing edges. */
  binEdges: number[];
  counts: number[];
  /** Finite values counted, and those outside the range (not in any bin). */
  nValues: number;
  nBelow: number;
  nAbove: number;
}

export interface HistogramOptions {
  /** Bin width (default 0.05 valence). */
  binWidth?: number;
  /** Range [low, high]; default: the 0.1–99.9 % range of the finite values, widened to whole bins. */
  range?: [number, number];
  /** At most this many bins (default 2000); a wider default range is clipped around the median. */
  maxBins?: number;
}

export function histogram(values: ArrayLike<number>, opts: HistogramOptions = {}): Histogram {
  const bw = opts.binWidth ?? 0.05;
  check(Number.isFinite(bw) && bw > 0, 'bin width must be a positive number', { field: 'binWidth', found: String(bw) });
  const finite = new Float64Array(values.length);
  let nf = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite[nf++] = values[i];
  let lo: number;
  let hi: number;
  if (opts.range) {
    check(opts.range.length === 2 && opts.range.every(Number.isFinite) && opts.range[0] < opts.range[1], 'range must be [low, high] with low < high', { field: 'range', found: JSON.stringify(opts.range) });
    [lo, hi] = opts.range;
  } else if (nf) {
    // Percentiles from a strided sample (at most ~10⁶ values) keep 10⁷-voxel volumes cheap.
    const stride = Math.max(1, Math.floor(nf / 1_000_000));
    const s = Float64Array.from({ length: Math.ceil(nf / stride) }, (_, i) => finite[i * stride]).sort();
    lo = s[Math.floor(0.001 * (s.length - 1))];
    hi = s[Math.ceil(0.999 * (s.length - 1))];
  } else {
    [lo, hi] = [0, bw];
  }
  // Align to the bin grid (small epsilon so a value exactly on an edge keeps its own bin).
  const eps = 1e-9 * bw;
  let k0 = Math.floor(lo / bw + eps);
  // An explicit range ends at `high` (values ≥ high count as above); the default one
  // includes its largest value.
  let k1 = Math.max(k0 + 1, opts.range ? Math.ceil(hi / bw - eps) : Math.floor(hi / bw + eps) + 1);
  const maxBins = opts.maxBins ?? 2000;
  if (k1 - k0 > maxBins) {
    const mid = Math.round((k0 + k1) / 2);
    k0 = mid - Math.floor(maxBins / 2);
    k1 = k0 + maxBins;
  }
  const n = k1 - k0;
  const counts = new Array<number>(n).fill(0);
  let nBelow = 0;
  let nAbove = 0;
  for (let i = 0; i < nf; i++) {
    const v = finite[i];
    const k = Math.floor(v / bw + eps) - k0;
    if (k < 0) nBelow++;
    else if (k >= n) nAbove++;
    else counts[k]++;
  }
  const binEdges = Array.from({ length: n + 1 }, (_, i) => +((k0 + i) * bw).toFixed(10));
  return { binEdges, counts, nValues: nf, nBelow, nAbove };
}

/** CSV text: bin_low,bin_high,bin_centre,count (one header line). */
export function histogramCsv(h: Histogram, valueName = 'oxidation_state'): string {
  const lines = [`${valueName}_bin_low,${valueName}_bin_high,${valueName}_bin_centre,count`];
  for (let i = 0; i < h.counts.length; i++) {
    const a = h.binEdges[i];
    const b = h.binEdges[i + 1];
    lines.push(`${fmt(a)},${fmt(b)},${fmt((a + b) / 2)},${h.counts[i]}`);
  }
  return lines.join('\n') + '\n';
}

function fmt(v: number): string {
  return String(+v.toFixed(6));
}

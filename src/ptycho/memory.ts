/** Peak resident memory of the process, sampled at stage boundaries (0 outside Node). */
export class PeakRss {
  peakBytes = 0;
  sample(): void {
    const p = (globalThis as { process?: { memoryUsage?: { rss?: () => number } } }).process;
    const rss = p?.memoryUsage?.rss?.() ?? 0;
    if (rss > this.peakBytes) this.peakBytes = rss;
  }
}

export function nowS(): number {
  return performance.now() / 1000;
}

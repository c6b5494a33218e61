/**
 * Progress on stderr for long work: a redrawn bar on a terminal, throttled plain lines
 * otherwise (logs, CI). Stages emit ProgressEvents; this is the only place that prints them.
 */
import type { ProgressCallback, ProgressEvent } from '../core/progress.ts';

export interface ProgressReporter {
  onProgress: ProgressCallback;
  /** A one-off line (warnings, files written), printed above the bar. */
  log(line: string): void;
  done(): void;
}

function fmtTime(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

export function createProgressReporter(opts: { quiet?: boolean; stream?: NodeJS.WriteStream; plainIntervalMs?: number } = {}): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  const tty = !!stream.isTTY;
  const t0 = Date.now();
  const stageStart = new Map<string, number>();
  let lastPlain = 0;
  let lastStage = '';
  let barShown = false;
  const interval = opts.plainIntervalMs ?? 2000;

  const clearBar = () => {
    if (tty && barShown) {
      stream.write('\r\x1b[2K');
      barShown = false;
    }
  };

  const line = (ev: ProgressEvent): string => {
    const now = Date.now();
    if (!stageStart.has(ev.stage)) stageStart.set(ev.stage, now);
    const elapsed = (now - stageStart.get(ev.stage)!) / 1000;
    const frac = ev.total > 0 ? Math.min(1, ev.done / ev.total) : 0;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
    const pct = `${(frac * 100).toFixed(0).padStart(3)}%`;
    const msg = ev.message ? ` ${ev.message}` : '';
    const done = Number.isInteger(ev.done) ? String(ev.done) : ev.done.toFixed(1);
    return `${ev.stage} ${done}/${ev.total} ${pct} elapsed ${fmtTime(elapsed)} eta ${fmtTime(eta)} total ${fmtTime((now - t0) / 1000)}${msg}`;
  };

  return {
    onProgress(ev) {
      if (opts.quiet) return;
      if (tty) {
        const cols = stream.columns ?? 100;
        const frac = ev.total > 0 ? Math.min(1, ev.done / ev.total) : 0;
        const barW = 20;
        const filled = Math.round(frac * barW);
        const text = `[${'#'.repeat(filled)}${'.'.repeat(barW - filled)}] ${line(ev)}`;
        stream.write(`\r\x1b[2K${text.slice(0, cols - 1)}`);
        barShown = true;
        return;
      }
      const now = Date.now();
      const stageChanged = ev.stage !== lastStage;
      if (stageChanged || ev.done >= ev.total || now - lastPlain >= interval) {
        lastPlain = now;
        lastStage = ev.stage;
        stream.write(`${line(ev)}\n`);
      }
    },
    log(text) {
      if (opts.quiet) return;
      clearBar();
      stream.write(`${text}\n`);
    },
    done() {
      clearBar();
    },
  };
}

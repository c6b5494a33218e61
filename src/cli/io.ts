/** Where CLI output goes: stdout for results and --json, stderr for progress and errors. */
import { setBackendWarningSink } from '../gpu/backend.ts';
import { createProgressReporter, type ProgressReporter } from './progress.ts';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  progress(opts: { quiet?: boolean }): ProgressReporter;
  /** Aborted on SIGINT so stages stop at the next safe point and finished work is kept. */
  signal: AbortSignal;
}

export function defaultCliIo(): CliIo {
  const ac = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nptyxanes: interrupt: stopping after the current step (again to force)\n');
    ac.abort(Object.assign(new Error('interrupted'), { name: 'AbortError' }));
    process.once('SIGINT', () => process.exit(130));
  });
  return {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    progress(opts) {
      const rep = createProgressReporter({ quiet: opts.quiet });
      setBackendWarningSink((line) => rep.log(line));
      return rep;
    },
    signal: ac.signal,
  };
}

/**
 * Progress and cancellation flow down into stages as one callback and an AbortSignal;
 * stages never print. The CLI turns events into a bar or plain lines.
 */
export interface ProgressEvent {
  /** Stage name, e.g. 'epie', 'register', 'xanes-fit', 'simulate'. */
  stage: string;
  /** Units done and total in this stage (e.g. iterations, energies, spectra). */
  done: number;
  total: number;
  /** Free-form detail: energy, iteration error, file written, ... */
  message?: string;
  /** Extra numbers a caller may want (error metric, energyEv, ...). */
  values?: Record<string, number>;
}

export type ProgressCallback = (event: ProgressEvent) => void;

export interface RunControl {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

/** Throws the signal's reason (an AbortError) if cancelled; call between units of work. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    const reason = signal.reason;
    if (reason instanceof Error) throw reason;
    const err = new Error(typeof reason === 'string' ? reason : 'The operation was aborted');
    err.name = 'AbortError';
    throw err;
  }
}

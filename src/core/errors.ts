/**
 * One error type for bad input, so every message names where (file, field) and what
 * was expected versus found. The CLI prints `message` as its one line.
 */
export class PtyxanesError extends Error {
  readonly file?: string;
  readonly field?: string;
  readonly expected?: string;
  readonly found?: string;

  constructor(what: string, where: { file?: string; field?: string; expected?: string; found?: string } = {}) {
    const parts: string[] = [];
    if (where.file) parts.push(where.file);
    if (where.field) parts.push(where.field);
    let msg = parts.length ? `${parts.join(': ')}: ${what}` : what;
    if (where.expected !== undefined || where.found !== undefined) {
      msg += ` (expected ${where.expected ?? '?'}, found ${where.found ?? '?'})`;
    }
    super(msg);
    this.name = 'PtyxanesError';
    this.file = where.file;
    this.field = where.field;
    this.expected = where.expected;
    this.found = where.found;
  }
}

/** Throws a PtyxanesError unless `cond` holds. */
export function check(cond: unknown, what: string, where?: ConstructorParameters<typeof PtyxanesError>[1]): asserts cond {
  if (!cond) throw new PtyxanesError(what, where);
}

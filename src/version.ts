/** Package version, recorded in every result's provenance. */
export const VERSION = '0.1.0';

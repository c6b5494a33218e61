/**
 * Turns what a caller names (a preset, a JSON file of a config, or a config object) into a
 * validated SimConfig, with an optional seed override.
 */
import { PtyxanesError } from '../core/errors.ts';
import { presetConfig, validateConfig, type SimConfig } from './config.ts';

export function resolveConfig(presetOrConfig: string | SimConfig, seed?: number): SimConfig {
  let config: SimConfig;
  let file = 'config';
  if (typeof presetOrConfig === 'string') {
    if (presetOrConfig.endsWith('.json')) {
      file = presetOrConfig;
      config = readConfigFile(presetOrConfig);
    } else {
      config = presetConfig(presetOrConfig);
      file = `preset ${presetOrConfig}`;
    }
  } else config = structuredClone(presetOrConfig);
  if (seed !== undefined) {
    if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) throw new PtyxanesError('seed must be an integer from 0 to 4294967295', { field: 'seed', found: String(seed) });
    config.seed = seed;
  }
  config.name ??= 'custom';
  validateConfig(config, file);
  return config;
}

function readConfigFile(path: string): SimConfig {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (!get) throw new PtyxanesError('reading a config file needs Node', { file: path });
  const fs = get('node:fs') as typeof import('node:fs');
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new PtyxanesError(`cannot read config: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: path });
  }
  try {
    return JSON.parse(text) as SimConfig;
  } catch (e) {
    throw new PtyxanesError(`not valid JSON: ${(e as Error).message}`, { file: path });
  }
}

/**
 * The browser-safe part of io/ (no node:fs, no h5wasm/node): PNG and TIFF encoders,
 * colour maps, pictures, unit helpers and energy-list parsing. The web page imports this;
 * Node code may import index.ts, which re-exports everything.
 */
export { encodePng, crc32 } from './png.ts';
export { encodeTiff } from './tiff-encode.ts';
export type { TiffMeta } from './tiff-encode.ts';
export { colorize, renderMapWithColorbar, renderHistogram } from './pictures.ts';
export type { ColormapName, Rgba, Picture, MapPictureOptions, HistogramOptions } from './pictures.ts';
export { colormapLut, colorAt } from './colormaps.ts';
export { parseEnergies } from './text.ts';
export type { ReadEnergiesOptions } from './text.ts';
export { EV_TO_J, energyToEv, parseEnergyUnit, lengthScaleM } from './units.ts';
export type { EnergyUnit } from './units.ts';

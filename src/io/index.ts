/**
 * ptyxanes I/O: CXI/HDF5 (h5wasm), float32 TIFF, PNG pictures, JSON/text sidecars, atomic
 * output files. Node-only modules (files, tiff, cxi, describe, text) use node:fs; the
 * encoders (png, pictures, tiff-encode) also run in the browser: import them from
 * ./browser.ts there.
 */
export { writeFileAtomic, writeJson, prepareOutput, ensureWritableDir, requireInputFile, pathExists, tempPathFor } from './files.ts';
export { CxiWriter, writeCxi, dtypeOf, listCxiEntries, openCxiEntry, openCxiEntries, CxiFrameSource } from './cxi.ts';
export type { CxiDtype, CxiEntryInput, CxiEntryMeta, CxiFrameArray, CxiWriteOptions, CxiEntryInfo, CxiReadOptions } from './cxi.ts';
export { writeTiff, readTiff, readTiffPages, tiffInfo, TiffWriter, encodeTiff } from './tiff.ts';
export type { TiffMeta } from './tiff.ts';
export { encodePng, writePng, crc32 } from './png.ts';
export { EV_TO_J, energyToEv, parseEnergyUnit, lengthScaleM } from './units.ts';
export type { EnergyUnit } from './units.ts';
export { colorize, renderMapWithColorbar, renderHistogram } from './pictures.ts';
export type { ColormapName, Rgba, Picture, MapPictureOptions, HistogramOptions } from './pictures.ts';
export { colormapLut, colorAt } from './colormaps.ts';
export { readEnergies, parseEnergies } from './text.ts';
export type { ReadEnergiesOptions } from './text.ts';
export { describeFile, formatDescription } from './describe.ts';
export type { FileDescription, DatasetSummary, EntrySummary } from './describe.ts';
export { describeFolder, formatFolder, summarizeCxiFile } from './describe-folder.ts';
export type { FolderDescription, SampleFolder, RunFolder, CxiFolder, CxiFileSummary } from './describe-folder.ts';

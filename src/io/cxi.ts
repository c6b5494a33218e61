/**
 * CXI 1.6 (HDF5) files through h5wasm: what ptyxanes writes and what it reads.
 *
 * Layout written (one entry per energy, and per angle for tomography; N from 1):
 *   /cxi_version                                  int32 160
 *   /entry_N                                      NX_class=NXentry (+ caller's attrs)
 *     data_1/data               [n,h,w]           uint16|uint32|int32|float32 counts, chunked
 *                                                 by whole frames (~256 KiB), resizable
 *     data_1/translation        -> soft link to sample_1/geometry_1/translation
 *     sample_1/geometry_1/translation [n,3] f64   units=m: the SAMPLE's (x, y, z) translation
 *     sample_1/geometry_1/angle        f64        units=degrees (tomography rotation about the
 *                                                 vertical axis; present only when given)
 *     instrument_1/source_1/energy     f64        units=J
 *     instrument_1/detector_1/distance, x_pixel_size, y_pixel_size  f64, units=m
 *     instrument_1/detector_1/mask     [h,w] u32  CXI: 0 = good, nonzero = bad (we write 1)
 *     instrument_1/detector_1/data  -> soft link to data_1/data
 * Groups carry NX_class (NXsample, NXgeometry, NXinstrument, NXsource, NXdetector, NXdata).
 *
 * Angle: CXI 1.6 has no scalar rotation field (only a 3×2 orientation matrix), so the
 * tomography angle is `sample_1/geometry_1/angle` in degrees. The reader also accepts
 * NeXus-style `sample_1/rotation_angle` and `sample_1/geometry_1/rotation_angle`.
 *
 * Position convention: ptyxanes `positionsM` are the PROBE's (x, y) over the sample
 * (x -> object columns, y -> object rows, see core/frames.ts). CXI stores where the
 * SAMPLE was moved, so translation = −position: translation[:,0] = −x, [:,1] = −y,
 * [:,2] = 0. The reader inverts this. Real files differ (stage axes swapped or mirrored,
 * positions of the probe rather than the sample, µm instead of m): CxiReadOptions offers
 * `translationIs: 'probe'`, `swapXY`, `flipX`, `flipY`, a scale, and explicit dataset
 * paths (including PtyPy-style separate fast/slow position arrays).
 *
 * Units on read: `units` attributes win (J/eV/keV; m/mm/µm/nm); without them the energy
 * is detected by magnitude (< 1e-10 J, 1–100 keV, 1000–1e5 eV, otherwise an error) and
 * lengths are taken as metres (translations larger than 1 m are rejected as not metres).
 *
 * Memory: writing appends blocks of frames; reading slices blocks of frames through
 * HDF5 (NODERAWFS: the file is read in place, never loaded whole). Memory is bounded by
 * the block (+ a 1 MiB chunk cache), not by the file (see h5.ts).
 */
export { CxiWriter, writeCxi, dtypeOf } from './cxi-write.ts';
export type { CxiDtype, CxiEntryInput, CxiEntryMeta, CxiFrameArray, CxiWriteOptions } from './cxi-write.ts';
export { listCxiEntries, openCxiEntry, openCxiEntries } from './cxi-open.ts';
export { CxiFrameSource } from './cxi-read.ts';
export type { CxiEntryInfo, CxiReadOptions } from './cxi-read.ts';

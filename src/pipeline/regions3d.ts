/**
 * The > Ni³⁺ regions of a 3D run's oxidation-state volume (the reference paper's Fig. 3:
 * segmented regions above 3+ inside the crystals), reusing the analysis room: crystals by
 * segmentCrystals (material from the fitted edge step, touching crystals split by the
 * watershed of the distance map), then the connected regions above the threshold inside
 * each crystal (findSlabs). Written as label volumes [z, y, x] (float32 TIFF, 0 = none, the
 * voxel size in the metadata) and a CSV of the regions; one line for the summary.
 */
import { DEFAULT_STATE_THRESHOLD, findSlabs, segmentCrystals, slabsCsv } from '../analysis/index.ts';
import { writeFileAtomic } from '../io/files.ts';
import { writeTiff } from '../io/tiff.ts';

export interface HighStateRegions {
  threshold: number;
  crystals: number;
  regions: number;
  /** Crystals holding at least one region. */
  crystalsWithRegions: number;
  /** Fraction of the crystals' voxels inside a region. */
  fraction: number;
  /** Voxels in regions. */
  voxels: number;
  /** Why there is no segmentation (e.g. no material), or null. */
  note: string | null;
  files: { crystalLabels: string; regionLabels: string; regionsCsv: string } | null;
}

/**
 * Segments the crystals and their > `threshold` regions and writes them under `dir`.
 * A volume without material is reported (note), not thrown: the fit's own outputs stand.
 */
export async function writeHighStateRegions(
  dir: string,
  state: Float32Array,
  edgeStep: Float32Array,
  shape: [number, number, number],
  voxelM: number,
  threshold = DEFAULT_STATE_THRESHOLD,
): Promise<HighStateRegions> {
  let seg;
  try {
    seg = segmentCrystals(state, shape, voxelM, { edgeStep });
  } catch (e) {
    return { threshold, crystals: 0, regions: 0, crystalsWithRegions: 0, fraction: 0, voxels: 0, note: (e as Error).message, files: null };
  }
  // Regions of a single voxel or a 2×2 patch are noise at the fit's per-voxel error.
  const slabs = findSlabs(seg, state, { threshold, minVoxels: 5 });
  const files = { crystalLabels: `${dir}/crystal_labels.tif`, regionLabels: `${dir}/above_${threshold}_labels.tif`, regionsCsv: `${dir}/above_${threshold}_regions.csv` };
  const meta = { pixelSizeM: voxelM, spacingM: voxelM };
  await writeTiff(files.crystalLabels, { data: Float32Array.from(seg.labels), shape }, { ...meta, description: 'crystal label per voxel [z, y, x] (0: none)' });
  await writeTiff(files.regionLabels, { data: Float32Array.from(slabs.labels), shape }, { ...meta, description: `region label per voxel [z, y, x] where the Ni oxidation state is above ${threshold} inside a crystal (0: none)` });
  await writeFileAtomic(files.regionsCsv, slabsCsv(slabs, 3));
  let crystalVoxels = 0;
  for (let i = 0; i < seg.labels.length; i++) if (seg.labels[i]) crystalVoxels++;
  const voxels = slabs.slabs.reduce((a, s) => a + s.voxels, 0);
  return {
    threshold,
    crystals: seg.count,
    regions: slabs.slabs.length,
    crystalsWithRegions: slabs.perCrystal.filter((c) => c.count > 0).length,
    fraction: crystalVoxels ? voxels / crystalVoxels : 0,
    voxels,
    note: null,
    files,
  };
}

/** The summary's line, e.g. "> Ni3+ regions: 3 in 2 of 2 crystals, 18.2 % of the crystal voxels". */
export function formatHighStateRegions(r: HighStateRegions): string {
  if (r.note) return `> Ni${r.threshold}+ regions: none segmented (${r.note})`;
  return `> Ni${r.threshold}+ regions: ${r.regions} in ${r.crystalsWithRegions} of ${r.crystals} crystal${r.crystals === 1 ? '' : 's'}, ${(100 * r.fraction).toFixed(1)} % of the crystal voxels`;
}

/**
 * Wall time of a 3D task plan on N devices, from per-unit costs (measured elsewhere: the ePIE
 * rate per device, the tomography per energy, the fit, the scheduler's cost per task), and
 * where adding devices stops helping. The plan's shape decides it: with same-angle warm
 * starts the ePIE is one phase per energy as wide as the angles (each energy's first angle,
 * then the others from its probe), with 'previous' one chain; the per-energy tomography is a chain outward from the
 * reference energy ('each') or the reference then all others at once ('shared'); the fit is
 * one task. Input is read once per reconstruction from a shared filesystem.
 */
export interface ScaleoutModel {
  energies: number;
  angles: number;
  positions: number;
  /** ePIE iterations of a cold start (the first energy) and of a warm-started reconstruction. */
  coldIterations: number;
  warmIterations: number;
  /** Pattern updates per second on one device. */
  updatesPerS: number;
  /** Scheduler + process start-up per task (s), and per-task file writes not in the rate. */
  taskOverheadS: number;
  /** Bytes of diffraction data per reconstruction, and the filesystem's aggregate read rate (bytes/s). */
  bytesPerReconstruction: number;
  filesystemBytesPerS: number;
  /** One energy's alignment + SIRT on one device (s), the registration of the volumes, the fit. */
  tomoSPerEnergy: number;
  registerS: number;
  fitS: number;
  warmFrom: 'previous' | 'same-angle';
  tomoMode: 'each' | 'shared';
  /** Index of the reference energy (default the last, the pipeline's default). */
  referenceIndex?: number;
}

export interface ScaleoutPoint {
  devices: number;
  ptychoS: number;
  /** Of which the filesystem bound (0 when the compute is slower). */
  ioBoundS: number;
  tomoS: number;
  otherS: number;
  totalS: number;
  /** Of the devices, the share busy over the whole run. */
  efficiency: number;
}

export function projectScaleout(m: ScaleoutModel, devices: number): ScaleoutPoint {
  const cold = (m.positions * m.coldIterations) / m.updatesPerS + m.taskOverheadS;
  const warm = (m.positions * m.warmIterations) / m.updatesPerS + m.taskOverheadS;
  // same-angle: the first reconstruction, then one phase per energy as wide as the angles
  // (the first energy's angles start with flat objects: cold iterations); previous: one
  // chain whatever the devices.
  const wide = Math.ceil(m.angles / devices);
  const compute = m.warmFrom === 'same-angle' ? cold + wide * cold + (m.energies - 1) * wide * warm : m.angles * (cold + (m.energies - 1) * warm);
  const io = (m.energies * m.angles * m.bytesPerReconstruction) / m.filesystemBytesPerS;
  const ptychoS = Math.max(compute, io);
  const ref = m.referenceIndex ?? m.energies - 1;
  // 'each': the longer side of the chain outward from the reference; 'shared': the reference, then the others side by side.
  const chain = m.tomoMode === 'each' ? 1 + Math.max(ref, m.energies - 1 - ref) : 1 + Math.ceil((m.energies - 1) / devices);
  const tomoS = chain * (m.tomoSPerEnergy + m.taskOverheadS);
  const otherS = m.registerS + m.fitS + 2 * m.taskOverheadS;
  const totalS = ptychoS + tomoS + otherS;
  const work = m.energies * m.angles * warm + m.energies * m.tomoSPerEnergy + otherS;
  return { devices, ptychoS, ioBoundS: io > compute ? io : 0, tomoS, otherS, totalS, efficiency: work / (devices * totalS) };
}

/** The smallest device count beyond which doubling gains less than `gain` (default 5 %) of the wall time. */
export function scalingLimit(m: ScaleoutModel, gain = 0.05, max = 1 << 16): number {
  for (let n = 1; n <= max; n *= 2) {
    const a = projectScaleout(m, n).totalS;
    const b = projectScaleout(m, 2 * n).totalS;
    if (a - b < gain * a) return n;
  }
  return max;
}

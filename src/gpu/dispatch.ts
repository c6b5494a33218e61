/**
 * Workgroup grids for 1D problems larger than maxComputeWorkgroupsPerDimension (65,535):
 * spread over x and y. Shaders rebuild the linear index with `linear_id` from
 * shaders/dispatch.wgsl: id = gid.x + gid.y * (num_workgroups.x * workgroup_size.x).
 */
export function workgroupGrid(workgroups: number, maxPerDim = 65535): [number, number, number] {
  if (workgroups <= 0) return [0, 1, 1];
  if (workgroups <= maxPerDim) return [workgroups, 1, 1];
  const y = Math.ceil(workgroups / maxPerDim);
  if (y > maxPerDim) throw new RangeError(`${workgroups} workgroups exceed a ${maxPerDim}² grid`);
  return [Math.ceil(workgroups / y), y, 1];
}

/** Grid for `items` invocations with `workgroupSize` threads each. */
export function gridFor(items: number, workgroupSize: number, maxPerDim = 65535): [number, number, number] {
  return workgroupGrid(Math.ceil(items / workgroupSize), maxPerDim);
}

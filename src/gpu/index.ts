export { GpuContext, createGpuContext, NoGpuAdapterError, adapterLabel, NO_ADAPTER_HINT } from './context.ts';
export type { AdapterDescription, GpuContextOptions, PipelineSpec } from './context.ts';
export { resolveBackend, sharedGpuContext, disposeSharedGpuContext, setBackendWarningSink, isBackend, cpuOnlyBackend } from './backend.ts';
export type { Backend, ResolvedBackend } from './backend.ts';
export { hardwareGpuNodes } from './hardware-nodes.ts';
export type { DeviceNodeLister } from './hardware-nodes.ts';
export { workgroupGrid, gridFor } from './dispatch.ts';
export { loadShader } from './shaders.ts';

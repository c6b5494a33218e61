/**
 * ePIE on the GPU, the same arithmetic as the CPU engines (cpu-sequential.ts,
 * batch-runner.ts), recorded so an iteration never waits on the host:
 * - the iteration's position table (window offsets, subpixel remainders) is uploaded once;
 *   each position (sequential) or batch (parallel) selects its rows through a 16-byte cursor
 *   uniform refreshed by a buffer copy between passes, so all of an iteration's work is one
 *   command buffer and one submit (one per chunk when patterns are streamed);
 * - normalisation maxima, errors and probe-mode orthogonalisation stay on the GPU; the only
 *   read is the per-step error pairs after the iteration (plus the probe, for the parallel
 *   mode's update box, between iterations).
 * Sequential mode keeps the probe in real space, shifted to the current subpixel remainder
 * (as the CPU twin); parallel mode keeps it in real space and a Fourier-space copy Q from
 * which each position's shifted probe is one inverse FFT, and gathers the batch's object
 * step per object tile (tiles.ts) so no two invocations write one pixel.
 */
import type { GpuContext } from '../gpu/context.ts';
import { gridFor } from '../gpu/dispatch.ts';
import { CpuFft2d, GpuFft2d } from '../fft/index.ts';
import { throwIfAborted } from '../core/progress.ts';
import { fourierShift } from './cpu-sequential.ts';
import type { EngineSetup, EngineState, EpieEngine, IterationError } from './engine.ts';
import type { IterationPlan } from './order.ts';
import { BufferSet, CURSOR_BYTES, EXIT_PIXELS, GpuAmplitudes, loadPipelines, MAX_REDUCE_WG, PARAMS_BYTES, STEP_BYTES, WG, type EpiePipelines } from './gpu-resources.ts';
import { buildTileLists, TILE } from './tiles.ts';

export async function createGpuEngine(ctx: GpuContext, s: EngineSetup, gpuBudgetBytes: number): Promise<EpieEngine> {
  const [fft, pipes] = await Promise.all([GpuFft2d.create(ctx, s.store.height, s.store.width), loadPipelines(ctx)]);
  const set = new BufferSet(ctx);
  try {
    const amps = await GpuAmplitudes.create(ctx, s.store, set, gpuBudgetBytes);
    return new GpuEngine(ctx, s, fft, pipes, set, amps);
  } catch (e) {
    set.destroy();
    fft.dispose();
    throw e;
  }
}

class GpuEngine implements EpieEngine {
  readonly threads = 1;
  private readonly n: number;
  private readonly nwg: number;
  private readonly maxBatch: number;
  private readonly b: Record<'obj' | 'probe' | 'q' | 'psi' | 'ps' | 'den' | 'sgrad' | 'pden' | 'steps' | 'cursorTable' | 'cursor' | 'errCursor' | 'params' | 'maxes' | 'partials' | 'stepErr' | 'staging' | 'gram' | 'mixm' | 'posSums', GPUBuffer>;
  private tileInfo: GPUBuffer | null = null;
  private tileSlots: GPUBuffer | null = null;
  private readonly groups = new Map<string, GPUBindGroup>();
  private curDx = 0;
  private curDy = 0;
  /** Sequential: whether step s moves the probe to a new subpixel remainder. */
  private shiftFlags: Uint8Array | null = null;
  /** Every position on whole pixels: the parallel path skips the shifts (two FFTs per position). */
  private readonly wholePixels: boolean;
  /** 'mpie' rule: object anchor and velocity, and the step/bound parameters (momentum.ts twin). */
  private readonly mom: { last: GPUBuffer; vel: GPUBuffer; step: GPUBuffer; clamp: GPUBuffer } | null;
  private sinceMomentum = 0;

  constructor(
    private readonly ctx: GpuContext,
    private readonly s: EngineSetup,
    private readonly fft: GpuFft2d,
    private readonly p: EpiePipelines,
    private readonly set: BufferSet,
    private readonly amps: GpuAmplitudes,
  ) {
    const { store, modes: K } = s;
    const n = (this.n = store.height * store.width);
    this.nwg = Math.min(MAX_REDUCE_WG, Math.ceil(n / WG));
    const nSteps = store.nFrames;
    const frameBytes = 8 * n;
    this.maxBatch = s.mode === 'parallel' ? Math.min(s.batchSize, store.maxChunkFrames, 65535) : 1;
    // Refined positions leave whole pixels: keep the shifting path then.
    this.wholePixels = !s.refiner && s.scan.dx.every((v) => v === 0) && s.scan.dy.every((v) => v === 0);
    const pairs = (K * (K + 1)) / 2;
    const par = s.mode === 'parallel';
    this.b = {
      obj: set.storage(s.object, 'epie object'),
      probe: set.storage(s.probe, 'epie probe'),
      q: set.storage(par ? s.probe : new Float32Array(1), 'epie probe spectrum'),
      psi: set.storage(this.maxBatch * K * frameBytes, 'epie exit waves'),
      ps: set.storage(par ? this.maxBatch * K * frameBytes : 4, 'epie shifted probes'),
      den: set.storage(par ? this.maxBatch * frameBytes : 4, 'epie step denominators'),
      sgrad: set.storage(par ? K * frameBytes : 4, 'epie probe gradient'),
      pden: set.storage(par ? 4 * n : 4, 'epie probe denominator'),
      steps: set.storage(nSteps * STEP_BYTES, 'epie steps'),
      cursorTable: set.storage(nSteps * CURSOR_BYTES, 'epie cursors'),
      cursor: set.uniform(CURSOR_BYTES, 'epie cursor'),
      errCursor: set.uniform(CURSOR_BYTES, 'epie error cursor'),
      params: set.uniform(PARAMS_BYTES, 'epie params'),
      maxes: set.storage(nSteps * 8, 'epie maxima'),
      partials: set.storage(nSteps * this.nwg * 8, 'epie error partials'),
      stepErr: set.storage(nSteps * 8, 'epie step errors'),
      // Errors, then (position refinement) the per-step position terms: one read per iteration.
      staging: set.readback(nSteps * (s.refiner ? 24 : 8), 'epie error readback'),
      posSums: set.storage(s.refiner ? nSteps * 16 : 16, 'epie position terms'),
      gram: set.storage(Math.max(1, pairs) * this.nwg * 8, 'epie gram partials'),
      mixm: set.storage(K * K * 8, 'epie mode mixing'),
    };
    const rule = s.rule;
    if (rule.momentum || rule.objectAmplitudeMax !== null) {
      const mparams = (mode: number) => {
        const buf = new ArrayBuffer(32);
        new Uint32Array(buf).set([s.object.length / 2, mode]);
        new Float32Array(buf).set([rule.momentum?.friction ?? 0, rule.momentum?.feedback ?? 0, rule.objectAmplitudeMax ?? -1], 2);
        const u = set.uniform(32, `epie momentum params ${mode}`);
        ctx.upload(u, new Uint8Array(buf));
        return u;
      };
      this.mom = {
        last: set.storage(rule.momentum ? s.object : new Float32Array(4), 'epie object anchor'),
        vel: set.storage(rule.momentum ? s.object.length * 4 : 16, 'epie object velocity'),
        step: mparams(0),
        clamp: mparams(1),
      };
    } else {
      this.mom = null;
    }
    if (s.mode === 'sequential') {
      const table = new Uint32Array(4 * nSteps);
      for (let i = 0; i < nSteps; i++) {
        table[4 * i] = i;
        table[4 * i + 1] = 1;
      }
      ctx.upload(this.b.cursorTable, table);
    } else {
      const enc = ctx.device.createCommandEncoder();
      fft.encode(enc, this.b.q, K, 'forward'); // Q = F(P)
      ctx.device.queue.submit([enc.finish()]);
    }
  }

  get gpuBytes(): number {
    return this.set.bytes;
  }
  get gpuResident(): boolean {
    return this.amps.resident;
  }

  private writeParams(updateProbe: boolean): void {
    const { store, modes, alpha, beta, gamma, scan } = this.s;
    const buf = new ArrayBuffer(PARAMS_BYTES);
    const u = new Uint32Array(buf);
    const f = new Float32Array(buf);
    u.set([store.height, store.width, this.n, modes, scan.objectWidth, this.nwg, updateProbe ? 1 : 0, Math.log2(store.width)]);
    f.set([alpha, beta, gamma, this.s.rule.objectGamma], 8);
    u.set([scan.objectHeight, Math.ceil(scan.objectWidth / TILE), 0, 0], 12);
    f[14] = this.s.rule.probeGamma;
    this.ctx.upload(this.b.params, u);
  }

  /** Cached bind group; `null` leaves a binding index out (an entry point's 'auto' layout has only the bindings it uses). */
  private group(key: string, pipeline: GPUComputePipeline, buffers: (GPUBuffer | null)[]): GPUBindGroup {
    let g = this.groups.get(key);
    if (!g) {
      const entries: GPUBindGroupEntry[] = [];
      buffers.forEach((buffer, binding) => buffer && entries.push({ binding, resource: { buffer } }));
      g = this.ctx.device.createBindGroup({ label: `epie ${key}`, layout: pipeline.getBindGroupLayout(0), entries });
      this.groups.set(key, g);
    }
    return g;
  }

  private dispatch(enc: GPUCommandEncoder, pipeline: GPUComputePipeline, group: GPUBindGroup, x: number, y = 1): void {
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y);
    pass.end();
  }

  async iterate(plan: IterationPlan, updateProbe: boolean, refine = false): Promise<IterationError> {
    const { ctx, s, b, p, n } = this;
    const { scan, store, signal } = s;
    const parallel = s.mode === 'parallel';
    this.writeParams(updateProbe);
    // The iteration's step table (and batch cursors in parallel mode).
    let nSteps = 0;
    for (const v of plan.visits) nSteps += v.frames.length;
    const steps = new ArrayBuffer(nSteps * STEP_BYTES);
    const su = new Uint32Array(steps);
    const si = new Int32Array(steps);
    const sf = new Float32Array(steps);
    const cursors: number[] = [];
    const shifts = (this.shiftFlags = new Uint8Array(nSteps));
    const tileInfo: Uint32Array[] = [];
    const tileSlots: Uint32Array[] = [];
    let tileCount = 0;
    let slotCount = 0;
    let at = 0;
    const stepFrames = new Int32Array(nSteps);
    for (const v of plan.visits) {
      const base = store.chunkStarts[v.chunk];
      stepFrames.set(v.frames, at);
      if (parallel) {
        const t = buildTileLists(v.frames, v.batches, scan.ix, scan.iy, store.height, store.width, scan.objectHeight, scan.objectWidth);
        for (let i = 0; i < t.info.length; i += 4) t.info[i + 1] += slotCount;
        v.batches.forEach(([start, count], i) => cursors.push(at + start, count, tileCount + t.batchTiles[i][0], t.batchTiles[i][1]));
        tileInfo.push(t.info);
        tileSlots.push(t.slots);
        tileCount += t.info.length / 4;
        slotCount += t.slots.length;
      } else {
        for (const [start, count] of v.batches) cursors.push(at + start, count, 0, 0);
      }
      for (const j of v.frames) {
        const o = 8 * at++;
        su[o] = j - base;
        si[o + 1] = scan.ix[j];
        si[o + 2] = scan.iy[j];
        sf[o + 4] = scan.dx[j];
        sf[o + 5] = scan.dy[j];
        if (!parallel) {
          sf[o + 6] = scan.dx[j] - this.curDx;
          sf[o + 7] = scan.dy[j] - this.curDy;
          shifts[at - 1] = scan.dx[j] !== this.curDx || scan.dy[j] !== this.curDy ? 1 : 0;
          this.curDx = scan.dx[j];
          this.curDy = scan.dy[j];
        }
      }
    }
    ctx.upload(b.steps, new Uint8Array(steps));
    if (parallel) {
      ctx.upload(b.cursorTable, Uint32Array.from(cursors));
      this.tileInfo = this.set.grow(this.tileInfo, tileCount * 16, 'epie tile info');
      this.tileSlots = this.set.grow(this.tileSlots, slotCount * 4, 'epie tile slots');
      let o = 0;
      for (const a of tileInfo) {
        ctx.upload(this.tileInfo, a, o);
        o += a.byteLength;
      }
      o = 0;
      for (const a of tileSlots) {
        ctx.upload(this.tileSlots, a, o);
        o += a.byteLength;
      }
    }
    ctx.upload(b.errCursor, Uint32Array.of(0, nSteps, 0, 0));

    const pix = Math.ceil(n / WG);
    let enc = ctx.device.createCommandEncoder();
    enc.clearBuffer(b.maxes, 0, nSteps * 8);
    let stepBase = 0;
    let batchIndex = 0;
    for (const v of plan.visits) {
      throwIfAborted(signal);
      if (this.amps.needsUpload(v.chunk)) {
        // Streaming: finish the work on the previous chunk before overwriting its buffer.
        ctx.device.queue.submit([enc.finish()]);
        await ctx.device.queue.onSubmittedWorkDone();
        enc = ctx.device.createCommandEncoder();
      }
      const amp = await this.amps.buffer(v.chunk);
      const ampKey = this.amps.resident ? `amp${v.chunk}` : 'ampStream';
      const modG = this.group(`mod-${ampKey}`, p.modulus, [b.psi, amp, b.partials, b.steps, b.params, b.cursor]);
      for (const [start, count] of v.batches) {
        const cursorIndex = parallel ? batchIndex++ : stepBase + start;
        enc.copyBufferToBuffer(b.cursorTable, cursorIndex * CURSOR_BYTES, b.cursor, 0, CURSOR_BYTES);
        if (parallel) this.encodeBatch(enc, count, cursors[4 * cursorIndex + 3], modG, updateProbe, pix, refine);
        else this.encodeStep(enc, stepBase + start, modG, pix, refine);
        this.encodeMomentum(enc, count);
      }
      stepBase += v.frames.length;
    }
    if (this.mom && s.rule.objectAmplitudeMax !== null) this.encodeObjectPass(enc, this.mom.clamp);
    // Per-step error sums, then one small read.
    const errG = this.group('err', p.errReduce, [b.partials, b.stepErr, b.params, b.errCursor]);
    const [gx, gy] = gridFor(nSteps, 1, ctx.limits.maxComputeWorkgroupsPerDimension);
    this.dispatch(enc, p.errReduce, errG, gx, gy);
    enc.copyBufferToBuffer(b.stepErr, 0, b.staging, 0, nSteps * 8);
    const readBytes = nSteps * (refine ? 24 : 8);
    if (refine) enc.copyBufferToBuffer(b.posSums, 0, b.staging, nSteps * 8, nSteps * 16);
    ctx.device.queue.submit([enc.finish()]);
    await b.staging.mapAsync(GPUMapMode.READ, 0, readBytes);
    const all = new Float32Array(b.staging.getMappedRange(0, readBytes).slice(0));
    b.staging.unmap();
    const e = all.subarray(0, 2 * nSteps);
    if (refine && s.refiner) {
      const sums = s.refiner.sums;
      for (let i = 0; i < nSteps; i++) for (let c = 0; c < 4; c++) sums[4 * stepFrames[i] + c] += all[2 * nSteps + 4 * i + c];
    }
    ctx.checkHealthy();
    let residual = 0;
    let intensity = 0;
    for (let i = 0; i < nSteps; i++) {
      residual += e[2 * i];
      intensity += e[2 * i + 1];
    }
    return { residual, intensity };
  }

  /** The rule's object momentum step once `every` positions have been updated (as the CPU engines count). */
  private encodeMomentum(enc: GPUCommandEncoder, count: number): void {
    const m = this.s.rule.momentum;
    if (!this.mom || !m) return;
    this.sinceMomentum += count;
    if (this.sinceMomentum < m.every) return;
    this.sinceMomentum = 0;
    this.encodeObjectPass(enc, this.mom.step);
  }

  /** shaders/epie_momentum.wgsl over the whole object with the given parameters (step or bound only). */
  private encodeObjectPass(enc: GPUCommandEncoder, params: GPUBuffer): void {
    const { p, b, mom } = this;
    const [gx, gy] = gridFor(this.s.object.length / 2, WG, this.ctx.limits.maxComputeWorkgroupsPerDimension);
    const key = params === mom!.step ? 'momStep' : 'momClamp';
    this.dispatch(enc, p.momentum, this.group(key, p.momentum, [b.obj, mom!.last, mom!.vel, params]), gx, gy);
  }

  /** Sequential: one position (step index `step`), probe in the chain frame. */
  private encodeStep(enc: GPUCommandEncoder, step: number, modG: GPUBindGroup, pix: number, refine: boolean): void {
    const { b, p, fft } = this;
    const K = this.s.modes;
    if (this.shiftFlags![step]) {
      fft.encode(enc, b.probe, K, 'forward');
      this.dispatch(enc, p.shift, this.group('shift', p.shift, [b.probe, b.steps, b.params, b.cursor]), pix);
      fft.encode(enc, b.probe, K, 'inverse');
    }
    this.dispatch(enc, p.exit, this.group('exitSeq', p.exit, [b.probe, b.obj, b.psi, b.maxes, b.steps, b.params, b.cursor]), Math.ceil(pix / EXIT_PIXELS), 1);
    fft.encode(enc, b.psi, K, 'forward');
    this.dispatch(enc, p.modulus, modG, this.nwg, 1);
    fft.encode(enc, b.psi, K, 'inverse');
    if (refine) this.dispatch(enc, p.posSeq, this.group('posSeq', p.posSeq, [b.probe, b.obj, b.psi, b.posSums, b.steps, b.params, b.cursor]), 1);
    this.dispatch(enc, p.updateSeq, this.group('updSeq', p.updateSeq, [b.probe, b.obj, b.psi, b.maxes, b.steps, b.params, b.cursor]), pix);
  }

  /** Parallel: one mini-batch of `count` positions touching `tiles` object tiles. */
  private encodeBatch(enc: GPUCommandEncoder, count: number, tiles: number, modG: GPUBindGroup, updateProbe: boolean, pix: number, refine: boolean): void {
    const { b, p, fft, ctx } = this;
    const K = this.s.modes;
    // Whole-pixel positions: the shifted probes are the probe itself and the gradients need no
    // shift back, so the inverse/forward FFT pairs around them drop out (ramps are 1).
    const whole = this.wholePixels;
    const src = whole ? b.probe : b.q;
    this.dispatch(enc, p.broadcast, this.group(`bcast-${whole}`, p.broadcast, [src, b.ps, b.steps, b.params, b.cursor]), pix, count);
    if (!whole) fft.encode(enc, b.ps, count * K, 'inverse');
    this.dispatch(enc, p.exit, this.group('exitPar', p.exit, [b.ps, b.obj, b.psi, b.maxes, b.steps, b.params, b.cursor]), Math.ceil(pix / EXIT_PIXELS), count);
    fft.encode(enc, b.psi, count * K, 'forward');
    this.dispatch(enc, p.modulus, modG, this.nwg, count);
    fft.encode(enc, b.psi, count * K, 'inverse');
    if (refine) this.dispatch(enc, p.posBatch, this.group('posBatch', p.posBatch, [b.ps, b.obj, b.psi, b.posSums, b.steps, b.params, b.cursor]), count);
    this.dispatch(enc, p.terms, this.group('terms', p.terms, [b.ps, b.obj, b.psi, null, b.steps, b.params, b.cursor, b.den]), pix, count);
    const [tx, ty] = gridFor(tiles, 1, ctx.limits.maxComputeWorkgroupsPerDimension);
    const gatherKey = `gather-${this.tileInfo!.size}-${this.tileSlots!.size}`;
    this.dispatch(enc, p.gather, this.group(gatherKey, p.gather, [b.obj, b.ps, b.den, b.maxes, b.steps, this.tileInfo, this.tileSlots, b.params, b.cursor]), tx, ty);
    if (updateProbe) {
      if (!whole) fft.encode(enc, b.psi, count * K, 'forward');
      this.dispatch(enc, p.reduce, this.group('reduce', p.reduce, [null, null, b.sgrad, b.pden, b.psi, b.den, b.maxes, b.steps, b.params, b.cursor]), pix);
      if (!whole) fft.encode(enc, b.sgrad, K, 'inverse');
      this.dispatch(enc, p.apply, this.group('apply', p.apply, [b.probe, b.q, b.sgrad, b.pden, null, null, null, null, b.params, null]), pix);
      if (!whole) fft.encode(enc, b.q, K, 'forward');
    }
  }

  async orthogonalize(): Promise<void> {
    const { b, p, ctx } = this;
    const K = this.s.modes;
    if (K <= 1) return;
    const enc = ctx.device.createCommandEncoder();
    this.dispatch(enc, p.gram, this.group('gram', p.gram, [b.probe, b.gram, null, b.params]), this.nwg, (K * (K + 1)) / 2);
    this.dispatch(enc, p.eig, this.group('eig', p.eig, [null, b.gram, b.mixm, b.params]), 1);
    this.dispatch(enc, p.mix, this.group('mix', p.mix, [b.probe, null, b.mixm, b.params]), Math.ceil(this.n / WG));
    if (this.s.mode === 'parallel' && !this.wholePixels) {
      enc.copyBufferToBuffer(b.probe, 0, b.q, 0, b.probe.size);
      this.fft.encode(enc, b.q, K, 'forward');
    }
    ctx.device.queue.submit([enc.finish()]);
  }

  private async readProbe(): Promise<Float32Array> {
    const { store, modes: K } = this.s;
    const h = store.height;
    const w = store.width;
    const probe = await this.ctx.readFloat32(this.b.probe, 2 * K * this.n);
    if (this.s.mode === 'sequential' && (this.curDx !== 0 || this.curDy !== 0)) {
      fourierShift(new CpuFft2d(h, w), probe, K, h, w, -this.curDx, -this.curDy, new Float64Array(2 * w), new Float64Array(2 * h));
    }
    return probe;
  }

  async read(): Promise<EngineState> {
    const object = await this.ctx.readFloat32(this.b.obj, this.s.object.length);
    return { object, probe: await this.readProbe() };
  }

  dispose(): void {
    this.set.destroy();
    this.fft.dispose();
    this.groups.clear();
  }
}

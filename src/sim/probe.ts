/**
 * Probe from a Fresnel zone plate. The first diffraction order of a zone plate of diameter
 * D and outermost zone Δr is a converging spherical wave with focal length f = D·Δr/λ, cut
 * by the zone plate's pupil (annular with a central stop); the other orders are removed by
 * the central stop and the order-sorting aperture (OSA), which can also clip the outer part
 * of the cone. The focal field is the Fourier transform of the pupil, so its angular
 * spectrum is the pupil itself mapped to spatial frequency ν = ρ/(λf) (radius 1/(2Δr), the
 * same at every energy). The field at the sample, Δz downstream of focus, is that angular
 * spectrum propagated by Δz with the exact angular-spectrum transfer function
 * exp(i·2π·Δz·(√(1/λ² − ν²) − 1/λ)) and inverse transformed. Out of focus this is the
 * familiar ring-like defocused zone-plate spot of geometric diameter D·|Δz|/f, not a
 * Gaussian; in focus it is the Airy pattern (FWHM ≈ 1.029·λf/D = 1.029·Δr without stop).
 */
import { check } from '../core/errors.ts';
import { complexArray, isPowerOfTwo, type ComplexArray } from '../core/arrays.ts';
import { wavelengthM } from '../core/frames.ts';
import { fft2dCpu, fftshift2d, ifftshift2d } from '../fft/index.ts';

export interface ZonePlateSpec {
  /** Zone plate diameter (m), e.g. 400e-6. */
  diameterM: number;
  /** Outermost zone width Δr (m), e.g. 200e-9. */
  outerZoneM: number;
  /** Central stop diameter (m); 0 or absent: none. */
  centralStopDiameterM?: number;
  /** Order-sorting aperture: diameter and distance upstream of the focus (m). */
  osa?: { diameterM: number; distanceToFocusM: number };
  /** Sample distance downstream (+) of the focus (m). */
  defocusM: number;
}

/** f = D·Δr/λ (m). */
export function zonePlateFocalLengthM(zp: ZonePlateSpec, energyEv: number): number {
  return (zp.diameterM * zp.outerZoneM) / wavelengthM(energyEv);
}

/** Geometric spot diameter at the sample, D_eff·|Δz|/f (m). */
export function geometricSpotDiameterM(zp: ZonePlateSpec, energyEv: number): number {
  const f = zonePlateFocalLengthM(zp, energyEv);
  return (2 * pupilOuterRadiusM(zp, energyEv) * Math.abs(zp.defocusM)) / f;
}

/** Airy FWHM of the focus of the full (unstopped) pupil: 1.029·λf/D_eff (m). */
export function airyFocusFwhmM(zp: ZonePlateSpec, energyEv: number): number {
  const f = zonePlateFocalLengthM(zp, energyEv);
  return (1.029 * wavelengthM(energyEv) * f) / (2 * pupilOuterRadiusM(zp, energyEv));
}

/** Outer pupil radius (m) after the OSA: min(D/2, r_osa·f/z_osa). */
function pupilOuterRadiusM(zp: ZonePlateSpec, energyEv: number): number {
  let r = zp.diameterM / 2;
  if (zp.osa) r = Math.min(r, ((zp.osa.diameterM / 2) * zonePlateFocalLengthM(zp, energyEv)) / zp.osa.distanceToFocusM);
  return r;
}

export interface ProbeOptions {
  energyEv: number;
  /** Array size (power of two) and pixel size (m) at the sample. */
  n: number;
  pixelM: number;
  /** Σ|P|² of the result (default 1). For far-field counts |FFT(P·O)|², use photons/n². */
  totalIntensity?: number;
  /** Overrides the zone plate's defocus (m), e.g. 0 for the focal plane. */
  defocusM?: number;
}

/** Complex probe [n, n], centred on pixel (n/2, n/2). */
export function zonePlateProbe(zp: ZonePlateSpec, opts: ProbeOptions): ComplexArray {
  const { n, pixelM, energyEv } = opts;
  check(isPowerOfTwo(n) && n >= 16, 'probe size must be a power of two ≥ 16', { field: 'n', found: String(n) });
  check(zp.diameterM > 0 && zp.outerZoneM > 0, 'zone plate diameter and outermost zone must be positive', { field: 'zonePlate', found: `${zp.diameterM}, ${zp.outerZoneM}` });
  const lam = wavelengthM(energyEv);
  const f = zonePlateFocalLengthM(zp, energyEv);
  const dz = opts.defocusM ?? zp.defocusM;
  const nuOuter = pupilOuterRadiusM(zp, energyEv) / (lam * f);
  const nuInner = (zp.centralStopDiameterM ?? 0) / 2 / (lam * f);
  const dnu = 1 / (n * pixelM);
  check(nuOuter < (n / 2 - 1) * dnu, 'object pixel too coarse for the zone plate: the probe cone does not fit in the detector crop', {
    field: 'pixel size',
    expected: `< ${(1 / (2 * nuOuter)).toExponential(3)} m (outermost zone Δr) with margin`,
    found: `${pixelM.toExponential(3)} m`,
  });
  const spec = complexArray([n, n]);
  const ss = 4; // sub-samples per frequency cell side: anti-aliased pupil edges
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let inside = 0;
      for (let a = 0; a < ss; a++) {
        for (let b = 0; b < ss; b++) {
          const nx = (c - n / 2 + (b + 0.5) / ss - 0.5) * dnu;
          const ny = (r - n / 2 + (a + 0.5) / ss - 0.5) * dnu;
          const rho = Math.hypot(nx, ny);
          if (rho <= nuOuter && rho >= nuInner) inside++;
        }
      }
      if (!inside) continue;
      const nu2 = ((c - n / 2) * dnu) ** 2 + ((r - n / 2) * dnu) ** 2;
      const phase = 2 * Math.PI * dz * (Math.sqrt(1 / (lam * lam) - nu2) - 1 / lam);
      const amp = inside / (ss * ss);
      spec.data[2 * (r * n + c)] = amp * Math.cos(phase);
      spec.data[2 * (r * n + c) + 1] = amp * Math.sin(phase);
    }
  }
  const field = ifftshift2d(spec.data, 1, n, n);
  fft2dCpu(field, 1, n, n, 'inverse');
  const probe = fftshift2d(field, 1, n, n);
  let sum = 0;
  for (let i = 0; i < probe.length; i++) sum += probe[i] * probe[i];
  const scale = Math.sqrt((opts.totalIntensity ?? 1) / sum);
  for (let i = 0; i < probe.length; i++) probe[i] *= scale;
  return complexArray([n, n], probe);
}

/** Full width at half maximum (m) of |P|² through the intensity peak, along x (sub-pixel). */
export function probeFwhmM(probe: ComplexArray, pixelM: number): number {
  const [h, w] = probe.shape;
  const d = probe.data;
  let best = -1;
  let ip = 0;
  for (let i = 0; i < h * w; i++) {
    const v = d[2 * i] ** 2 + d[2 * i + 1] ** 2;
    if (v > best) [best, ip] = [v, i];
  }
  const row = Math.floor(ip / w);
  const col = ip % w;
  const at = (c: number) => d[2 * (row * w + c)] ** 2 + d[2 * (row * w + c) + 1] ** 2;
  const half = best / 2;
  let l = col;
  while (l > 0 && at(l - 1) > half) l--;
  let r = col;
  while (r < w - 1 && at(r + 1) > half) r++;
  const left = l - 1 + (half - at(l - 1)) / (at(l) - at(l - 1));
  const right = r + (at(r) - half) / (at(r) - at(r + 1));
  return (right - left) * pixelM;
}

/** Diameter (m) of the circle about the intensity centroid holding `fraction` of Σ|P|². */
export function probeDiameterM(probe: ComplexArray, pixelM: number, fraction = 0.9): number {
  const [h, w] = probe.shape;
  const d = probe.data;
  let s = 0;
  let cx = 0;
  let cy = 0;
  const inten = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) {
    const v = d[2 * i] ** 2 + d[2 * i + 1] ** 2;
    inten[i] = v;
    s += v;
    cx += v * (i % w);
    cy += v * Math.floor(i / w);
  }
  cx /= s;
  cy /= s;
  const order = Array.from({ length: h * w }, (_, i) => i);
  const r2 = order.map((i) => ((i % w) - cx) ** 2 + (Math.floor(i / w) - cy) ** 2);
  order.sort((a, b) => r2[a] - r2[b]);
  let acc = 0;
  for (const i of order) {
    acc += inten[i];
    if (acc >= fraction * s) return 2 * Math.sqrt(r2[i]) * pixelM;
  }
  return Math.max(h, w) * pixelM;
}

import { describe, expect, it } from 'vitest';
import { PALETTE, renderLinePlot } from '../src/io/plots.ts';

describe('line plots', () => {
  it('draws each series in its colour, with error bars and a legend', () => {
    const pic = renderLinePlot({
      series: [
        { x: [0, 1, 2, 3], y: [2, 2.5, 2.7, 2.8], yErr: [0.1, 0.1, 0.1, 0.1], label: 'profile', style: 'points' },
        { x: [0, 1, 2, 3], y: [2.1, 2.4, 2.6, 2.9], label: 'fit', width: 2 },
        { x: [0, 1, 2, 3], y: [3, 1, 0, 2], style: 'steps' },
      ],
      xLabel: 'depth (nm)',
      yLabel: 'state',
      refLines: [{ x: 2, label: 'NiO' }],
      width: 320,
      height: 240,
    });
    expect(pic.width).toBe(320);
    expect(pic.rgba.length).toBe(320 * 240 * 4);
    const count = (c: number[]) => {
      let n = 0;
      for (let i = 0; i < pic.rgba.length; i += 4) if (pic.rgba[i] === c[0] && pic.rgba[i + 1] === c[1] && pic.rgba[i + 2] === c[2]) n++;
      return n;
    };
    for (const k of [0, 1, 2]) expect(count(PALETTE[k])).toBeGreaterThan(20);
    expect(count([190, 30, 30])).toBeGreaterThan(20); // reference line and label
  });
});

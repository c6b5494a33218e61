/** Reads an image stack for `register`/`fit`: one multi-page TIFF, or one TIFF per energy. */
import { PtyxanesError } from '../../core/errors.ts';
import type { RealArray } from '../../core/arrays.ts';
import { readTiff } from '../../io/tiff.ts';

export async function readStack(files: string[]): Promise<{ stack: RealArray }> {
  if (files.length === 1) {
    const t = await readTiff(files[0]);
    if (t.shape.length !== 3 && !(t.shape.length === 4)) {
      throw new PtyxanesError('expected a stack (one page per energy)', { file: files[0], expected: 'a multi-page TIFF [energies, h, w]', found: `shape [${t.shape.join(', ')}]` });
    }
    return { stack: { data: t.data, shape: t.shape } };
  }
  const pages = await Promise.all(files.map((f) => readTiff(f)));
  const [h, w] = pages[0].shape.slice(-2);
  const per = pages[0].data.length;
  pages.forEach((p, i) => {
    if (p.data.length !== per) throw new PtyxanesError('images differ in size', { file: files[i], expected: `[${pages[0].shape.join(', ')}] like ${files[0]}`, found: `[${p.shape.join(', ')}]` });
  });
  const data = new Float32Array(per * pages.length);
  pages.forEach((p, i) => data.set(p.data, i * per));
  const spatial = pages[0].shape.length === 2 ? [h, w] : pages[0].shape;
  return { stack: { data, shape: [pages.length, ...spatial] } };
}

// The page's build: `npm run web` serves src/web, `npm run build:web` writes dist-web/
// (static files: open from any web server). Workers are ES modules so they can load
// h5wasm and the WGSL shaders lazily.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  worker: { format: 'es' },
  build: { outDir: '../../dist-web', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 6000 },
  server: { host: '127.0.0.1', fs: { allow: ['../..'] } },
  preview: { host: '127.0.0.1' },
});

// Build: one bundled ESM file for the CLI (fast start: one file to load, no module
// resolution at run time) and the small C shim that creates and watches containers.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
await build({
  // Splitting keeps rarely used code (tar, the image builder, network diagrams…) in chunks
  // that load only when a command needs them.
  entryPoints: { minidock: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // commander and tar are CommonJS in places; give the bundle a real require().
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  splitting: true,
  minify: false,
  sourcemap: false,
  logLevel: 'warning',
});
execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', 'dist/minidock-shim', 'src/runtime/shim/shim.c'], { stdio: 'inherit' });

// Build: one bundled ESM file for the CLI and the small C programs beside it.
//
// Start time is a feature (`minidock run` has a budget of ~120 ms, of which Node itself takes
// ~70), so the CLI is ONE file: every extra ES module costs the loader a resolution, a read and
// a URL parse. Code a command does not need still costs little: esbuild wraps each lazily
// imported module so its top-level code runs only when first imported. `tar` stays external
// (loaded from node_modules only when a layer is unpacked), because esbuild would otherwise
// hoist its stream/zlib imports to the top of the bundle and every start would pay for them.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';

rmSync('dist/chunks', { recursive: true, force: true }); // left by older split builds
mkdirSync('dist', { recursive: true });
await build({
  entryPoints: { minidock: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['tar'],
  // commander is CommonJS; give the bundle a real require().
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  splitting: false,
  minify: false,
  sourcemap: false,
  logLevel: 'warning',
});

// Compile beside, then rename: running containers keep their shim, and a concurrent build never
// leaves a moment without one.
const cc = (out, src) => {
  execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', `${out}.tmp`, src], { stdio: 'inherit' });
  renameSync(`${out}.tmp`, out);
};
cc('dist/minidock-shim', 'src/runtime/shim/shim.c');
if (existsSync('src/runtime/dns/minidock-dns.c')) cc('dist/minidock-dns', 'src/runtime/dns/minidock-dns.c');

// Build: one bundled CommonJS file for the CLI and the small C programs beside it.
//
// Start time is a feature (`minidock run` has a budget of ~120 ms, of which Node itself takes
// ~70), so the CLI is ONE file: every extra ES module costs the loader a resolution, a read and
// a URL parse. Code a command does not need still costs little: esbuild wraps each lazily
// imported module so its top-level code runs only when first imported. It is CommonJS so that
// bin/minidock can compile it through V8's code cache (see there). Archives (layers, `load`,
// `cp`) are read by minidock's own reader, src/engine/image/tarreader.ts: no tar dependency.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { exportsIntoInits } from './lazy-exports.mjs';

// Builtins loaded on first use, not when a module that imports them is initialised: child_process
// (with the net, dgram and stream modules it pulls in) costs ~3 ms of every start, and commander
// requires it at its top for executable subcommands minidock never uses; `ps`, `inspect` or
// `logs` spawn nothing. Each becomes a module of getters that require the real one when a
// property is first read (esbuild reads named imports as properties at the call site).
const LAZY_BUILTINS = ['child_process', 'net', 'dgram'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (a) => (a.namespace === 'lazy-builtin' ? { path: a.path, external: true } : { path: a.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (a) => {
      const names = Object.keys(createRequire(import.meta.url)(a.path));
      const getters = names.map((n) => `Object.defineProperty(exports, ${JSON.stringify(n)}, { enumerable: true, get: () => load()[${JSON.stringify(n)}] });`);
      return {
        contents: `let m; const load = () => (m ??= require(${JSON.stringify(`node:${a.path}`)}));\n${getters.join('\n')}\n`,
        loader: 'js',
      };
    });
  },
};

// Servers are bundles of their own: the Engine API service (`minidock system service`,
// src/api/) is dist/api.cjs, the live diagram (`network diagram --serve`) dist/diagram-serve.cjs;
// so is `network trace` (src/engine/network/trace/): dist/trace.cjs, with its small helper
// process (the probe and the guard) dist/trace-helper.cjs.
// The CLI's bundle only require()s one when its command runs, so no other command reads or
// compiles a byte of them.
const APART = [
  [/\/api\/service\.js$/, './api.cjs'],
  [/\/network\/diagram-serve\.js$/, './diagram-serve.cjs'],
  [/\/network\/trace\/index\.js$/, './trace.cjs'],
];
const apart = {
  name: 'apart',
  setup(b) {
    for (const [filter, path] of APART) b.onResolve({ filter }, (a) => (a.kind === 'entry-point' ? undefined : { path, external: true }));
  },
};

for (const old of ['dist/chunks', 'dist/minidock.mjs', 'dist/cache']) rmSync(old, { recursive: true, force: true });
mkdirSync('dist', { recursive: true });
await build({
  // The layer-unpacking worker of `pull` (src/engine/image/unpack-worker.ts) is a second entry.
  entryPoints: {
    minidock: 'src/cli/main.ts',
    'unpack-worker': 'src/engine/image/unpack-worker.ts',
    api: 'src/api/service.ts',
    'diagram-serve': 'src/engine/network/diagram-serve.ts',
    trace: 'src/engine/network/trace/index.ts',
    'trace-helper': 'src/engine/network/trace/helper.ts',
  },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  plugins: [lazyBuiltins, apart],
  // import() of external modules becomes require(): the launcher runs the bundle as a plain
  // script, which has no ES module loader behind it.
  supported: { 'dynamic-import': false },
  splitting: false,
  // Whitespace and syntax only (names are kept): ~30% less source for V8 to read, hash against
  // the code cache and lazily compile on every start (~3 ms).
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  logLevel: 'warning',
  // src/runtime/shim.ts reads import.meta only when __dirname is missing (unbundled sources)
  logOverride: { 'empty-import-meta': 'silent' },
});

// The CLI's bundle is stored as the function bin/minidock calls, in ASCII, so that the launcher
// reads it as a one-byte string and compiles it as it is: a string with one non-ASCII
// character (a "µ" in a regular expression) is two bytes a character, and wrapping it at run
// time made another flat copy: ~2.6 MB of the young generation in every start, and its
// scavenges (write non-ASCII in source as \u escapes; the build refuses it otherwise).
{
  const file = 'dist/minidock.cjs';
  const { out: source, moved } = exportsIntoInits(readFileSync(file, 'latin1'));
  if (moved < 50) throw new Error(`${file}: only ${moved} export objects moved into their modules' inits: has esbuild's output changed? (scripts/lazy-exports.mjs)`);
  const bad = /[^\x00-\x7f]/.exec(source);
  if (bad) throw new Error(`${file}: non-ASCII byte 0x${bad[0].charCodeAt(0).toString(16)} at offset ${bad.index}: write the character as a \\u escape in the source`);
  writeFileSync(`${file}.tmp`, `(function (exports, require, module, __filename, __dirname) {${source}\n})`);
  renameSync(`${file}.tmp`, file);
}

// Compile beside, then rename: running containers keep their shim, and a concurrent build never
// leaves a moment without one.
const cc = (out, src, extra = [], libs = []) => {
  execFileSync('cc', ['-O2', '-Wall', '-Wextra', ...extra, '-o', `${out}.tmp`, src, ...libs], { stdio: 'inherit' });
  renameSync(`${out}.tmp`, out);
};
cc('dist/minidock-shim', 'src/runtime/shim/shim.c');
// --init's PID 1: static, since it runs inside the container's root (docs/shim.md, "The init")
cc('dist/minidock-init', 'src/runtime/shim/init.c', ['-static', '-s']);
if (existsSync('src/runtime/dns/minidock-dns.c')) cc('dist/minidock-dns', 'src/runtime/dns/minidock-dns.c');
// Node-API addons, made where Node's headers are installed (Debian: libnode-dev); without them
// the callers do the same work in JavaScript, slower: `exec`'s start of the shim without
// child_process (src/runtime/spawn.ts), `ps`'s reads of many small files (src/state/readmany.ts)
{
  const headers = [join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find((d) => existsSync(join(d, 'node_api.h')));
  for (const [out, src] of [
    ['dist/minidock-spawn.node', 'src/runtime/spawn/spawn.c'],
    ['dist/minidock-readmany.node', 'src/state/readmany/readmany.c'],
  ]) {
    if (headers) cc(out, src, ['-shared', '-fPIC', `-I${headers}`]);
    else rmSync(out, { force: true });
  }
}
// the overlay networks' per-host store watcher (src/engine/network/drivers/overlay.ts); TLS to
// etcd through OpenSSL (libssl-dev, installed by scripts/install.sh)
cc('dist/minidock-ovwatch', 'src/runtime/overlay/minidock-ovwatch.c', [], ['-lssl', '-lcrypto']);

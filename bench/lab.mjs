// A benchmark's own "host": a throwaway netns (its bridges and rules vanish with it) and a state
// root, with helpers to run commands and minidock in it. Used by bench/firewall.mjs and bench/ipv6.mjs.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'minidock');

/** Makes the netns `ns` (lo up) and a state root; `extraEnv` is added to minidock's environment. */
export function labHost(ns, rootPrefix, extraEnv = {}) {
  const root = mkdtempSync(join(tmpdir(), rootPrefix));
  const env = { ...process.env, MINIDOCK_ROOT: root, ...extraEnv };
  execFileSync('ip', ['netns', 'add', ns]);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const inHost = (cmd, args, input) => spawnSync('nsenter', [`--net=/run/netns/${ns}`, '--', cmd, ...args], { env, encoding: 'utf8', input });
  const md = (...args) => {
    const r = inHost(process.execPath, ['--', BIN, ...args]);
    if (r.status !== 0) throw new Error(`minidock ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  return { root, env, inHost, md };
}

/** Milliseconds `fn` took. */
export function timed(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

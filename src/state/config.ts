// $MINIDOCK_ROOT/config.json, minidock's settings file, with Docker daemon.json's key names
// ("firewall-backend", "insecure-registries", "cluster-store", "cluster-advertise", "ipv6",
// "fixed-cidr-v6", "default-address-pools"): one place for its path and for reading it (each
// reader names the fix for a broken file in its own words).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { readState } from './atomic.js';
import { paths } from './paths.js';

export function configPath(): string {
  return join(paths.root(), 'config.json');
}

// One read per process while the file stays the same, whichever readers ask (a start asks for
// the firewall backend and the default network's IPv6 settings): each ask is a stat, the file
// is read again only when it changed (the API service lives long; tests rewrite the file).
let cache: { file: string; stamp: string; value: object | undefined } | undefined;

function stampOf(file: string): string | undefined {
  const st = statSync(file, { throwIfNoEntry: false });
  return st && `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** The settings (undefined when there is no file); a file that is not a JSON object is a UserError saying `recover`. */
export function readConfig<T extends object = Record<string, unknown>>(recover: string): T | undefined {
  const file = configPath();
  const stamp = stampOf(file);
  if (stamp === undefined) return undefined;
  if (cache?.file !== file || cache.stamp !== stamp) cache = { file, stamp, value: readState<T>(file, recover) };
  return cache.value as T | undefined;
}

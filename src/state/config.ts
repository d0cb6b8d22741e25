// $MINIDOCK_ROOT/config.json, minidock's settings file, with Docker daemon.json's key names
// ("firewall-backend", "insecure-registries", "cluster-store", "cluster-advertise", "ipv6",
// "fixed-cidr-v6", "default-address-pools"): one place for its path and for reading it (each
// reader names the fix for a broken file in its own words).
import { join } from 'node:path';
import { readState } from './atomic.js';
import { paths } from './paths.js';

export function configPath(): string {
  return join(paths.root(), 'config.json');
}

// One read per process, whichever readers ask (a start asks for the firewall backend and the
// default network's IPv6 settings): a command runs far shorter than anyone edits the file.
let cache: { file: string; value: object | undefined } | undefined;

/** The settings (undefined when there is no file); a file that is not a JSON object is a UserError saying `recover`. */
export function readConfig<T extends object = Record<string, unknown>>(recover: string): T | undefined {
  const file = configPath();
  if (cache?.file !== file) cache = { file, value: readState<T>(file, recover) };
  return cache.value as T | undefined;
}

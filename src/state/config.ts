// $MINIDOCK_ROOT/config.json, minidock's settings file, with Docker daemon.json's key names
// ("firewall-backend", "insecure-registries", "cluster-store", "cluster-advertise"): one place for
// its path and for reading it (each reader names the fix for a broken file in its own words).
import { join } from 'node:path';
import { readState } from './atomic.js';
import { paths } from './paths.js';

export function configPath(): string {
  return join(paths.root(), 'config.json');
}

/** The settings (undefined when there is no file); a file that is not a JSON object is a UserError saying `recover`. */
export function readConfig<T extends object = Record<string, unknown>>(recover: string): T | undefined {
  return readState<T>(configPath(), recover);
}

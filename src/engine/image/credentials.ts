// Registry settings kept beside the store:
//
//   <root>/auth.json    credentials from `minidock login`, mode 0600, in Docker's config.json
//                       shape: {"auths": {"<host>": {"auth": base64("user:password")}}}
//                       (Docker Hub's key is "https://index.docker.io/v1/", as Docker writes it)
//   <root>/config.json  {"insecure-registries": ["host:port", …]} (daemon.json's key)
//
// Environment: MINIDOCK_REGISTRY_USER / MINIDOCK_REGISTRY_PASSWORD are credentials for any
// registry that has none in auth.json (no child process inherits them: CREDENTIAL_ENV in
// src/host/env.ts); MINIDOCK_INSECURE_REGISTRIES is a comma list.
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { readState, writeFileAtomic } from '../../state/atomic.js';
import { paths } from '../../state/paths.js';
import { DEFAULT_REGISTRY } from './reference.js';
import { readConfig } from '../../state/config.js';

export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com', DOCKER_HUB_AUTH_KEY]);

export interface Credentials {
  username: string;
  password: string;
  /** Where they came from, for messages. */
  source: 'auth.json' | 'env' | 'flag' | 'X-Registry-Auth';
}

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  [k: string]: unknown;
}

const authFile = (): string => join(paths.root(), 'auth.json');

/** The key a registry's credentials are stored under (Docker's convention for Docker Hub). */
export function authKey(registry: string): string {
  const host = normalizeServer(registry);
  return HUB_ALIASES.has(host) ? DOCKER_HUB_AUTH_KEY : host;
}

/** 'https://host:5000/v2/' -> 'host:5000'; Docker Hub's aliases stay recognisable. */
export function normalizeServer(server: string): string {
  if (server === DOCKER_HUB_AUTH_KEY) return server;
  let s = server.trim();
  s = s.replace(/^[a-z]+:\/\//i, '');
  s = s.replace(/\/.*$/, '');
  s = s.toLowerCase();
  return s === '' ? DEFAULT_REGISTRY : s;
}

function readAuthFile(): AuthFile {
  // Corrupt: one line, never read as "no credentials" (a login would then drop the others).
  return readState<AuthFile>(authFile(), 'remove it and log in again') ?? {};
}

function decode(entry: { auth?: string; username?: string; password?: string }): { username: string; password: string } | undefined {
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}

/** Credentials for a registry: auth.json first, then the environment. */
export function credentialsFor(registry: string): Credentials | undefined {
  const auths = readAuthFile().auths ?? {};
  const key = authKey(registry);
  for (const [k, v] of Object.entries(auths)) {
    if (authKey(k) !== key || !v) continue;
    const c = decode(v);
    if (c) return { ...c, source: 'auth.json' };
  }
  const user = process.env.MINIDOCK_REGISTRY_USER;
  const pass = process.env.MINIDOCK_REGISTRY_PASSWORD;
  if (user && pass !== undefined) return { username: user, password: pass, source: 'env' };
  return undefined;
}

export function saveCredentials(registry: string, username: string, password: string): string {
  const f = readAuthFile();
  const key = authKey(registry);
  const auths = { ...(f.auths ?? {}) };
  for (const k of Object.keys(auths)) if (authKey(k) === key) delete auths[k];
  auths[key] = { auth: Buffer.from(`${username}:${password}`, 'utf8').toString('base64') };
  writeFileAtomic(authFile(), JSON.stringify({ ...f, auths }, null, 2) + '\n', 0o600, true);
  chmodSync(authFile(), 0o600);
  return key;
}

/** Removes stored credentials; false when there were none. */
export function removeCredentials(registry: string): boolean {
  if (!existsSync(authFile())) return false;
  const f = readAuthFile();
  const key = authKey(registry);
  const auths = { ...(f.auths ?? {}) };
  let found = false;
  for (const k of Object.keys(auths)) {
    if (authKey(k) === key) {
      delete auths[k];
      found = true;
    }
  }
  if (found) writeFileAtomic(authFile(), JSON.stringify({ ...f, auths }, null, 2) + '\n', 0o600, true);
  return found;
}

/** Registries named insecure by flag, environment or config.json (hosts, host:port, or CIDRs). */
export function insecureRegistries(extra: string[] = []): string[] {
  const out = [...extra];
  const env = process.env.MINIDOCK_INSECURE_REGISTRIES;
  if (env) out.push(...env.split(','));
  const cfg = readConfig<{ 'insecure-registries'?: unknown }>('fix it (a JSON object, e.g. {"insecure-registries": ["host:port"]}) or remove it');
  const list = cfg?.['insecure-registries'];
  if (Array.isArray(list)) out.push(...list.filter((x): x is string => typeof x === 'string'));
  return out
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s) ? s : normalizeServer(s)));
}

function ipv4(host: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

function inCidr(host: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split('/');
  const a = ipv4(host);
  const b = ipv4(net ?? '');
  const bits = Number(bitsText);
  if (!a || !b || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const n = (x: number[]): number => ((x[0]! << 24) | (x[1]! << 16) | (x[2]! << 8) | x[3]!) >>> 0;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (n(a) & mask) === (n(b) & mask);
}

/** The host without its port ('[::1]:5000' -> '::1'). */
export function hostOnly(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const colon = registry.lastIndexOf(':');
  return colon > 0 ? registry.slice(0, colon) : registry;
}

/** Plain HTTP allowed: loopback (localhost, 127.0.0.0/8, ::1) and registries named insecure. */
export function isInsecure(registry: string, extra: string[] = []): boolean {
  const host = hostOnly(registry);
  if (host === 'localhost' || host === '::1' || inCidr(host, '127.0.0.0/8')) return true;
  for (const entry of insecureRegistries(extra)) {
    if (entry === registry || entry === host) return true;
    if (entry.includes('/') && inCidr(host, entry)) return true;
  }
  return false;
}

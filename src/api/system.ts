// /_ping, /version, /info, /events.
import { arch, release } from 'node:os';
import { VERSION } from '../version.js';
import { API_VERSION, ApiError, MIN_API_VERSION, filterFlags, readJson, sendJson } from './http.js';
import type { Handler } from './routes.js';

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', s390x: 's390x', ppc64: 'ppc64le', riscv64: 'riscv64' };

/** The headers a client negotiates its version from (docker/client.NegotiateAPIVersion reads Api-Version). */
export const PING_HEADERS = {
  'Api-Version': API_VERSION,
  Ostype: 'linux',
  'Docker-Experimental': 'false',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
};

export const ping: Handler = async (c) => {
  const res = c.res!;
  res.writeHead(200, { ...PING_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': c.req.method === 'HEAD' ? 0 : 2 });
  res.end(c.req.method === 'HEAD' ? undefined : 'OK');
  return 200;
};

export function versionBody(): Record<string, unknown> {
  const details = { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: GOARCH[arch()] ?? arch(), KernelVersion: release(), GitCommit: '', GoVersion: `node${process.version}`, BuildTime: '', Experimental: 'false' };
  return {
    Platform: { Name: 'minidock' },
    Components: [{ Name: 'Engine', Version: VERSION, Details: details }],
    Version: VERSION,
    ...details,
    Experimental: false, // a string among the Details, a boolean here (Go's types.Version)
  };
}

export const version: Handler = async (c) => {
  sendJson(c.res!, 200, versionBody());
  return 200;
};

export const info: Handler = async (c) => {
  const { gatherInfo } = await import('../engine/system/info.js');
  const i = gatherInfo();
  // Docker's SystemInfo: the fields minidock knows, and the empty shapes clients expect
  // (`docker info` reads Swarm, Runtimes, Warnings without checking them).
  sendJson(c.res!, 200, {
    ...i,
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: true,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    NEventsListener: 0,
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ['127.0.0.0/8'], Mirrors: [] },
    GenericResources: null,
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Labels: [],
    ExperimentalBuild: false,
    Runtimes: { minidock: { path: 'minidock-shim' } },
    DefaultRuntime: 'minidock',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true, // containers outlive the service, as with Docker's live-restore
    Isolation: '',
    InitBinary: 'minidock-init',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: '' },
    InitCommit: { ID: '' },
    CDISpecDirs: [],
    Warnings: [],
  });
  return 200;
};

/** A live stream of minidock's journal, one JSON message a line, as the daemon's. */
export const events: Handler = async (c) => {
  const { watchEvents } = await import('../engine/events-watch.js');
  const res = c.res!;
  const q = c.query;
  let closed = false;
  res.once('close', () => (closed = true));
  const start = () => {
    if (!res.headersSent) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
    }
  };
  // The filters are checked before the 200 (a bad one is the CLI's usual error line).
  const o = { filter: filterFlags(q), since: q.get('since') ?? undefined, until: q.get('until') ?? undefined };
  const { parseFilters } = await import('../engine/events-query.js');
  parseFilters(o.filter);
  start();
  await watchEvents(o, (r) => res.write(r.raw + '\n'), () => closed);
  res.end();
  return 200;
};

/**
 * POST /auth (`docker login`): are these credentials good for the registry? Docker's daemon
 * stores nothing (the client keeps them and sends X-Registry-Auth): neither does this.
 */
export const auth: Handler = async (c) => {
  const body = (await readJson<{ username?: unknown; password?: unknown; serveraddress?: unknown }>(c.req)) ?? {};
  const { username, password, serveraddress } = body;
  if (typeof username !== 'string' || !username || typeof password !== 'string' || !password) throw new ApiError(400, 'username and password are required');
  const { checkLogin } = await import('../engine/image/login.js');
  try {
    await checkLogin(typeof serveraddress === 'string' && serveraddress ? serveraddress : undefined, username, password);
  } catch (e) {
    // Docker's daemon: 401 for credentials the registry refuses
    const { RegistryError } = await import('../engine/image/registry.js');
    if (e instanceof RegistryError && e.status === 401) throw new ApiError(401, e.message);
    throw e;
  }
  sendJson(c.res!, 200, { Status: 'Login Succeeded', IdentityToken: '' });
  return 200;
};

// `inspect -f`'s typed pass against the real docker CLI: each docker CLI on the machine gets the
// documents of test/docker-types-cases.ts from a fake daemon (a unix socket in a temp dir; no
// daemon, no network) and runs `docker <kind> inspect -f <template>` on them, so the Go types
// are docker/cli's own (its vendored moby api/types), not a copy. What the newest CLI prints is
// recorded in test/unit/docker-types-golden.json (MINIDOCK_RECORD_TEMPLATES=1 rewrites it), which
// test/unit/template-docker-types.test.ts replays through minidock's engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES, DOCS, type Kind, type TypedCase } from '../docker-types-cases.js';
import { DOCKERS } from '../helpers/api-service.js';

export interface Recorded extends TypedCase {
  out?: string;
  err?: string;
}

const dir = mkdtempSync(join(tmpdir(), 'minidock-typed-'));
const sock = join(dir, 'docker.sock');
let server: Server;

/** The daemon's side: /_ping and the four inspect routes, each document found by the name asked for. */
function answer(url: string): { status: number; body: unknown } {
  const u = url.replace(/^\/v[\d.]+/, '');
  const m = /^\/(containers|images)\/([^/]+)\/json|^\/(networks|volumes)\/([^/?]+)/.exec(u);
  if (!m) return { status: 404, body: { message: `page not found: ${u}` } };
  const kind = { containers: 'container', images: 'image', networks: 'network', volumes: 'volume' }[(m[1] ?? m[3])!] as Kind;
  const doc = DOCS[kind][decodeURIComponent((m[2] ?? m[4])!)];
  return doc ? { status: 200, body: doc } : { status: 404, body: { message: `No such ${kind}` } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('Api-Version', '1.44');
    if (req.url?.endsWith('/_ping')) return res.end('OK');
    const a = answer(req.url ?? '');
    res.statusCode = a.status;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(sock, r));
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function docker(path: string, c: TypedCase): Promise<{ out?: string; err?: string }> {
  const env = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(dir, 'config'), DOCKER_CLI_HINTS: 'false' };
  return new Promise((resolve, reject) => {
    execFile(path, [c.kind, 'inspect', '-f', c.tpl, c.doc], { env, encoding: 'utf8', timeout: 30_000 }, (e, stdout, stderr) => {
      // a template error: exit 1 and the message on stderr (a parse error exits 64 before any request)
      if (e && typeof e.code === 'number' && stderr.trim()) return resolve({ err: stderr.trim() });
      if (e) return reject(e);
      // docker prints each rendered document and a newline
      resolve({ out: stdout.replace(/\n$/, '') });
    });
  });
}

/** Every case through one CLI, two at a time (the machine is shared). */
async function record(path: string): Promise<Recorded[]> {
  const out: Recorded[] = new Array(CASES.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < CASES.length; i = next++) out[i] = { ...CASES[i]!, ...(await docker(path, CASES[i]!)) };
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/**
 * What docker 20.10's structs do not have yet (HostConfig.Annotations, EndpointSettings.DNSNames:
 * its typed pass fails, the raw one decides): minidock speaks API 1.44 and has them, so an older
 * CLI is compared on the other cases only.
 */
const newerOnly = (c: TypedCase) => /Annotations|DNSNames/.test(c.tpl);

const golden = fileURLToPath(new URL('../unit/docker-types-golden.json', import.meta.url));

describe("inspect -f's typed pass = the docker CLI's (a fake daemon serves the documents)", () => {
  it('there is a docker CLI (scripts/test.sh provides one)', () => expect(DOCKERS.length).toBeGreaterThan(0));

  // the newest CLI first: its outcomes are the ones recorded
  const clis = [...DOCKERS].sort((a, b) => b.major - a.major || b.minor - a.minor);
  for (const [i, cli] of clis.entries()) {
    it(`docker ${cli.version}: the recorded outcomes (test/unit/docker-types-golden.json)`, async () => {
      const got = await record(cli.path);
      if (i === 0 && process.env.MINIDOCK_RECORD_TEMPLATES === '1') writeFileSync(golden, JSON.stringify(got, null, 1) + '\n');
      const want = JSON.parse(readFileSync(golden, 'utf8')) as Recorded[];
      const differ = got.filter((g, j) => JSON.stringify(g) !== JSON.stringify(want[j]) && (i === 0 || !newerOnly(g)));
      expect(differ).toEqual([]);
    }, 600_000);
  }
});

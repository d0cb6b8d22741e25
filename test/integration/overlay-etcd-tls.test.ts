// Overlay networks with etcd over TLS (client certificates required: --client-cert-auth) and
// with etcd's auth enabled (a user with read/write on /minidock/ only), both configured in each
// host's $MINIDOCK_ROOT/config.json ("cluster-store-opts"). Certificates made by openssl here.
// The commands and the per-host watcher (minidock-ovwatch, OpenSSL) both speak TLS and auth: a
// container on host 2 is in host 1's tables through the watcher. A wrong CA, a missing client
// certificate, a wrong password, bad options: one line, exit 125, nothing in the store or kernel.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, rssKb, until } from '../helpers/cluster.js';
import { makeCa, makeCert } from '../helpers/certs.js';
import { sleep } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mdtls-'));
const c = new Cluster();
const [h1, h2] = [0, 1].map((i) => () => c.hosts[i]);
const ca = makeCa(dir, 'ca');
const otherCa = makeCa(dir, 'other-ca');
const client = makeCert(ca, 'client');
const auth = { user: 'md', password: 'right-pw', rootPassword: 'root-pw' };

const good = { 'kv.cacertfile': ca.cert, 'kv.certfile': client.cert, 'kv.keyfile': client.key, 'kv.username': auth.user, 'kv.password': auth.password };
const setOpts = (h: ReturnType<typeof h1>, opts: Record<string, string>) => writeFileSync(join(h.root, 'config.json'), JSON.stringify({ 'cluster-store-opts': opts }));

beforeAll(async () => {
  // the members' certificate names their IPs (the harness's 10.231.X.N)
  const net = c.net;
  const server = makeCert(ca, 'server', [`${net}.1`, `${net}.2`, `${net}.3`]);
  await c.start(2, { tls: { ca: ca.cert, server, client }, auth });
  for (const h of c.hosts) setOpts(h, good);
}, 90_000);
afterAll(() => {
  try {
    for (const h of c.hosts) setOpts(h, good); // cleanup (rm -f, network prune) through the store
  } finally {
    c.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});

const overlayLinks = (h: ReturnType<typeof h1>) => h.exec('ip', ['-o', 'link']).stdout.split('\n').filter((l) => /md(ov|vx)-/.test(l));

const records = (h: ReturnType<typeof h1>) => {
  try {
    // (the predefined networks' records are written by any first run)
    return readdirSync(join(h.root, 'networks', 'nets')).filter((f) => !['bridge.json', 'host.json', 'none.json'].includes(f)).sort();
  } catch {
    return [];
  }
};

/** A refusal: one line, exit 125, and the store and the host as they were. */
function refused(h: ReturnType<typeof h1>, args: string[], says: RegExp): void {
  const keys = c.keys();
  const links = overlayLinks(h);
  const nets = records(h);
  const r = h.run(args);
  expect(r.code, r.stderr).toBe(125);
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(says);
  expect(c.keys()).toEqual(keys);
  expect(overlayLinks(h)).toEqual(links);
  expect(records(h)).toEqual(nets);
  expect(h.exec('ls', ['/run/netns']).stdout).not.toMatch(/minidock-/);
}

describe('overlay with etcd over TLS and with auth', () => {
  it('the store refuses a client without a certificate or credentials (the test bed is what it claims)', () => {
    const eps = `https://${c.etcdAddr}:2379`;
    const noCert = h1().exec('env', ['ETCDCTL_API=3', 'etcdctl', `--endpoints=${eps}`, `--cacert=${ca.cert}`, '--user=root:root-pw', 'get', '/x']);
    expect(noCert.code).not.toBe(0);
    const noUser = h1().exec('env', ['ETCDCTL_API=3', 'etcdctl', `--endpoints=${eps}`, `--cacert=${ca.cert}`, `--cert=${client.cert}`, `--key=${client.key}`, 'get', '/x']);
    expect(noUser.code).not.toBe(0);
    expect(c.etcdctl(['get', '/x']).code).toBe(0);
  });

  it('networks and containers across hosts; the watcher follows the store over TLS with a token', async () => {
    h1().ok(['network', 'create', '-d', 'overlay', '--subnet', '10.89.0.0/24', 'ovt']);
    expect(c.keys()).toContain('/minidock/networks/ovt');
    expect(h1().ok(['info', '-f', '{{.ClusterStore}}'])).toBe(`etcd://${c.etcdAddr}:2379`);
    h1().ok(['run', '-d', '--name', 't1', '--network', 'ovt', 'busybox', 'sleep', '300']);
    const netId = h1().ok(['network', 'inspect', '-f', '{{.Id}}', 'ovt']);
    const vx = `mdvx-${netId.slice(0, 10)}`;
    h2().ok(['run', '-d', '--name', 't2', '--network', 'ovt', 'busybox', 'sleep', '300']);
    const ip2 = h2().ok(['inspect', '-f', '{{.NetworkSettings.Networks.ovt.IPAddress}}', 't2']);
    // host 1 learns t2 only through its watcher (a watch over TLS, authenticated)
    expect(await until(() => h1().exec('ip', ['neigh', 'show', 'dev', vx]).stdout.includes(ip2), 3000)).toBe(true);
    expect(h1().run(['exec', 't1', 'ping', '-c', '1', '-W', '2', 't2']).stdout).toContain('1 packets received');

    const pid = Number(readFileSync(join(h1().root, 'networks', 'overlay', 'watch.pid'), 'utf8'));
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('--cacert');
    expect(argv.join(' ')).not.toContain(auth.password); // the password is in a 0600 file, not argv
    const authFile = argv[argv.indexOf('--auth') + 1];
    expect((readFileSync(`/proc/${pid}/status`, 'utf8').match(/Uid:\s+(\d+)/) ?? [])[1]).toBe('0');
    expect(readFileSync(authFile, 'utf8')).toContain(auth.password);
    expect(statSync(authFile).mode & 0o777).toBe(0o600);
    const rss = rssKb(pid);
    console.log(`watcher RSS with TLS: ${rss} kB`);
    expect(rss).toBeLessThan(10 * 1024);
    // the lease is renewed through TLS + token: the host key outlives the 10 s TTL
    await sleep(11_000);
    expect(c.keys().filter((k) => k.startsWith('/minidock/hosts/'))).toHaveLength(2);

    h2().ok(['rm', '-f', 't2']);
    expect(await until(() => !h1().exec('ip', ['neigh', 'show', 'dev', vx]).stdout.includes(ip2), 3000)).toBe(true);
    // and host 2's watcher removes its devices, t2 being its last container there (the next
    // tests compare host 2's links before and after a refusal: not while that sync runs)
    expect(await until(() => overlayLinks(h2()).length === 0, 5000)).toBe(true);
  }, 90_000);

  it('a wrong CA: one line, exit 125, nothing changed', () => {
    setOpts(h2(), { ...good, 'kv.cacertfile': otherCa.cert });
    refused(h2(), ['network', 'create', '-d', 'overlay', '--subnet', '10.90.0.0/24', 'ovbad'], /certificate is not trusted.*kv\.cacertfile/);
    refused(h2(), ['run', '-d', '--name', 'bad1', '--network', 'ovt', 'busybox', 'true'], /certificate is not trusted/);
    setOpts(h2(), good);
  });

  it('no client certificate: refused by the store, one line, exit 125, nothing changed', () => {
    const { 'kv.certfile': _c, 'kv.keyfile': _k, ...noCert } = good;
    setOpts(h2(), noCert);
    refused(h2(), ['network', 'create', '-d', 'overlay', '--subnet', '10.90.0.0/24', 'ovbad'], /TLS handshake failed|certificate/);
    setOpts(h2(), good);
  });

  it('a wrong password: one line, exit 125, nothing changed', () => {
    setOpts(h2(), { ...good, 'kv.password': 'wrong' });
    refused(h2(), ['network', 'create', '-d', 'overlay', '--subnet', '10.90.0.0/24', 'ovbad'], /authentication failed.*kv\.username and kv\.password/);
    refused(h2(), ['run', '-d', '--name', 'bad2', '--network', 'ovt', 'busybox', 'true'], /authentication failed/);
    setOpts(h2(), good);
  });

  it('bad options: one line, exit 125, nothing changed', () => {
    for (const [opts, says] of [
      [{ ...good, 'kv.nope': 'x' }, /unknown option "kv\.nope"/],
      [{ 'kv.cacertfile': ca.cert, 'kv.certfile': client.cert }, /kv\.certfile and kv\.keyfile go together/],
      [{ ...good, 'kv.cacertfile': join(dir, 'missing.pem') }, /kv\.cacertfile .*missing\.pem: ENOENT/],
      [{ 'kv.username': 'md' }, /kv\.username and kv\.password go together/],
    ] as const) {
      setOpts(h2(), opts as Record<string, string>);
      refused(h2(), ['network', 'create', '-d', 'overlay', '--subnet', '10.90.0.0/24', 'ovbad'], says);
    }
    setOpts(h2(), good);
  });

  it('cleans up through the store', () => {
    h1().ok(['rm', '-f', 't1']);
    expect(h1().ok(['network', 'rm', 'ovt'])).toBe('ovt');
    expect(c.keys().filter((k) => k.startsWith('/minidock/networks/'))).toEqual([]);
  });
});

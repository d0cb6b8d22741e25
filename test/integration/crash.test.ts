// Kill the CLI with SIGKILL at named steps (MINIDOCK_PAUSE_AT) of `run -d -p`, foreground `run`,
// `rm -f` and `network create`; then `ps -a` must be truthful and `system prune -f` must leave
// nothing that no container owns — and never touch the decoys (objects minidock did not create).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';
import {
  Decoys, alive, containerIds, emptyHeld, heldBy, hostLinks, inspectState, iptablesSave, killAt, settle, stateDebris,
} from './crash-helpers.js';

const md = new Minidock();
const decoys = new Decoys(md);
const scratch = mkdtempSync(join(tmpdir(), 'mdtest-crash-'));
const marker = join(scratch, 'paused');
const seen = new Set<string>();
let keepId = '';

beforeAll(() => {
  md.ok(['run', '--rm', 'busybox', 'true']); // image, bridge, chains
  keepId = md.ok(['run', '-d', '--name', 'bystander', '-p', '18999:80', 'busybox', 'sleep', '600']);
  decoys.create();
});

afterAll(() => {
  md.cleanup();
  decoys.remove();
  rmSync(scratch, { recursive: true, force: true });
});

/** ps is truthful: "running" exactly when the process really lives. */
async function checkTruth(): Promise<void> {
  await settle(md);
  for (const id of containerIds(md)) {
    seen.add(id);
    const st = inspectState(md, id);
    if (!st) continue; // a directory without a record (create killed half-way) is not a container
    expect(st.running, `container ${id.slice(0, 12)} running=${st.running} pid=${st.pid}`).toBe(alive(st.pid));
  }
  const ps = md.ok(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.State}}']);
  for (const line of ps.split('\n').filter(Boolean)) {
    const [id, state] = line.split(' ');
    expect(['running', 'created', 'exited', 'removing'], line).toContain(state);
    expect(state === 'running', line).toBe(inspectState(md, id)!.running);
  }
}

/** After prune: every id we saw holds nothing unless its container runs; no debris; decoys intact. */
function checkNoLeak(): void {
  const links = hostLinks(md);
  const save = iptablesSave(md);
  for (const id of seen) {
    const st = containerIds(md).includes(id) ? inspectState(md, id) : undefined;
    const held = heldBy(md, id, links, save);
    if (st?.running) {
      expect(held.netns.length + held.links.length, `running ${id.slice(0, 12)} keeps its network`).toBe(2);
      continue;
    }
    expect(held, `container ${id.slice(0, 12)} (not running) holds nothing`).toSatisfy(emptyHeld);
  }
  expect(stateDebris(md)).toEqual([]);
  expect(decoys.missing()).toEqual([]);
  // the bystander is untouched and still published
  expect(inspectState(md, keepId)?.running).toBe(true);
  expect(save).toMatch(/--dport 18999 .*DNAT/);
}

async function scenario(step: string, args: string[], opts: { mustReach?: boolean } = {}): Promise<void> {
  const r = await killAt(md, step, args, marker);
  if (opts.mustReach !== false) expect(r.reached, `step ${step} reached (${r.out.trim()})`).toBe(true);
  await checkTruth();
  const p = md.run(['system', 'prune', '-f']);
  expect(p.code, p.stderr).toBe(0);
  checkNoLeak();
  // whatever still runs is removed cleanly by rm -f, and then nothing at all is left
  const rest = containerIds(md).filter((id) => id !== keepId);
  if (rest.length) md.ok(['rm', '-f', ...rest]);
  checkNoLeak();
  for (const id of seen) if (id !== keepId) expect(heldBy(md, id, hostLinks(md), iptablesSave(md))).toSatisfy(emptyHeld);
}

const RUN_DETACHED_STEPS = [
  'run:parsed', 'run:image-ready', 'create:dir', 'run:created', 'start:locked', 'net:ports-reserved',
  'net:endpoint-written', 'op:netns-add', 'op:link-add-veth', 'op:link-set', 'op:ns-link-set', 'op:ns-addr-add',
  'op:ns-route-add', 'op:iptables-nat-A', 'net:wired', 'start:network-ready', 'start:record-saved',
  'start:shim-config', 'start:shim-spawned', 'start:shim-ok',
];

describe('SIGKILL during run -d -p', () => {
  let port = 19000;
  for (const step of RUN_DETACHED_STEPS) {
    it(`at ${step}`, async () => {
      await scenario(step, ['run', '-d', '-p', `${port++}:80`, 'busybox', 'sleep', '600']);
    });
  }
});

describe('the shim undoes a start the CLI did not finish', () => {
  for (const step of ['net:endpoint-written', 'op:link-add-veth', 'start:record-saved']) {
    it(`at ${step}: no process, no netns, before any prune`, async () => {
      const before = new Set(containerIds(md));
      const r = await killAt(md, step, ['run', '-d', 'busybox', 'sleep', '600'], marker);
      expect(r.reached).toBe(true);
      const id = containerIds(md).find((x) => !before.has(x))!;
      seen.add(id);
      await settle(md);
      expect(existsSync(`/run/netns/minidock-${id.slice(0, 12)}`), 'netns removed by the shim').toBe(false);
      expect(inspectState(md, id)?.running).toBe(false);
      md.ok(['rm', '-f', id]);
    });
  }
});

describe('SIGKILL during a foreground run', () => {
  for (const step of ['start:shim-config', 'start:fg-exited', 'cleanup:unwired']) {
    it(`at ${step}`, async () => {
      await scenario(step, ['run', '--rm', '-p', '19100:80', 'busybox', 'true']);
    });
  }
});

describe('SIGKILL during rm -f', () => {
  for (const step of ['rm:killed', 'rm:marked', 'op:iptables-nat-D', 'op:netns-del', 'net:teardown-applied', 'rm:unwired']) {
    it(`at ${step}`, async () => {
      const id = md.ok(['run', '-d', '-p', '19200:80', 'busybox', 'sleep', '600']);
      seen.add(id);
      await scenario(step, ['rm', '-f', id]);
      expect(containerIds(md)).not.toContain(id);
    });
  }
});

describe('SIGKILL during network create', () => {
  for (const step of ['op:link-add-bridge', 'op:addr-add', 'op:sysctl', 'op:iptables-raw-A', 'op:iptables-filter-A']) {
    it(`at ${step}`, async () => {
      await scenario(step, ['network', 'create', 'crashnet']);
      // the half-made network left no bridge and no rule behind
      expect(hostLinks(md).filter((l) => /^mdbr-/.test(l))).toEqual([]);
      expect(iptablesSave(md)).not.toContain('minidock net crashnet:');
      expect(md.run(['network', 'inspect', 'crashnet']).code).not.toBe(0);
      // and the name is free for a real one
      md.ok(['network', 'create', 'crashnet']);
      md.ok(['network', 'rm', 'crashnet']);
    });
  }
});

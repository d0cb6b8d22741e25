// nftables, gateway mode routed: a container's element of its network's set (rt_BR: its
// published container ports) is a leftover once the container is gone without its teardown
// (its shim and process SIGKILLed) and its endpoint record is lost too, so that only the
// element's comment says whose it is: `system prune` removes it as it removes @pub's (with the
// record, the record's undo removes it). When the network itself is gone behind minidock's
// back, prune removes its set with its chains. The same for an IPv6-routed network's set in the
// `ip6 minidock` table.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock, sleep } from '../helpers/cli.js';

const md = new Minidock({ MINIDOCK_FIREWALL: 'nftables' });
afterAll(() => md.cleanup());

const table = () => md.inHost('nft', ['list', 'table', 'ip', 'minidock']).stdout;
/** The routed set's block of the table ('' when there is none). */
const routedSet = () => /\tset rt_\S+ \{[\s\S]*?\n\t\}/.exec(table())?.[0] ?? '';

/** SIGKILLs a container's shim and process: nothing of minidock runs its teardown. */
function killHard(name: string): void {
  const pid = Number(md.ok(['inspect', '-f', '{{.State.Pid}}', name]));
  const shim = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  process.kill(shim, 'SIGKILL');
  process.kill(pid, 'SIGKILL');
}

describe('nftables prune: routed-set elements of killed containers', () => {
  it("removes a SIGKILLed container's element of the routed set, keeps a running one's", async () => {
    md.ok(['network', 'create', '--subnet', '10.89.2.0/24', '-o', 'com.docker.network.bridge.gateway_mode_ipv4=routed', 'gw-r']);
    md.ok(['run', '-d', '--name', 'keep', '--network', 'gw-r', '-p', '8081:81', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'dead', '--network', 'gw-r', '-p', '8082:82', 'busybox', 'sleep', '600']);
    const ip = (n: string) => md.ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', n]);
    const [keep, dead] = [ip('keep'), ip('dead')];
    expect(routedSet()).toContain(`${dead} . tcp . 82`);
    const id = md.ok(['inspect', '-f', '{{.Id}}', 'dead']);
    killHard('dead');
    await sleep(200);
    expect(routedSet()).toContain(`${dead} . tcp . 82`); // nobody tore it down
    // and its endpoint record is lost (so only the table's own marks say whose the element is)
    rmSync(join(md.root, 'networks', 'endpoints', `${id}.json`));
    const r = md.run(['system', 'prune', '-f']);
    expect(r.code, r.stderr).toBe(0);
    expect(routedSet()).not.toContain(`${dead} . tcp . 82`);
    expect(routedSet()).toContain(`${keep} . tcp . 81`);
    md.ok(['rm', '-f', 'keep', 'dead']);
  });

  it("removes the set of a routed network whose record is gone, after its chains", () => {
    md.ok(['run', '-d', '--name', 'k2', '--network', 'gw-r', '-p', '8083:83', 'busybox', 'sleep', '600']);
    killHard('k2');
    expect(routedSet()).not.toBe('');
    md.ok(['rm', '-f', 'k2']);
    // the network's record vanishes (a state root restored from an old backup, say)
    rmSync(join(md.root, 'networks', 'nets', 'gw-r.json'));
    const r = md.run(['system', 'prune', '-f']);
    expect(r.code, r.stderr).toBe(0);
    expect(routedSet()).toBe('');
    expect(table()).not.toMatch(/chain fi_mdbr-/);
  });
});

describe('nftables prune: the ip6 table\'s routed sets', () => {
  const t6 = () => md.inHost('nft', ['list', 'table', 'ip6', 'minidock']).stdout;
  const set6 = () => /\tset rt_mdgwr6 \{[\s\S]*?\n\t\}/.exec(t6())?.[0] ?? '';
  const ip6 = (n: string) => md.ok(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.GlobalIPv6Address}}{{end}}', n]);

  it("removes a SIGKILLed container's element of an IPv6 routed set, keeps a running one's, then the gone network's set", async () => {
    md.ok(['network', 'create', '--ipv6', '--subnet', '10.89.3.0/24', '--subnet', 'fd00:89:3::/64', '-o', 'com.docker.network.bridge.gateway_mode_ipv6=routed', '-o', 'com.docker.network.bridge.name=mdgwr6', 'gw-r6']);
    md.ok(['run', '-d', '--name', 'keep6', '--network', 'gw-r6', '-p', '[::]:8084:84', 'busybox', 'sleep', '600']);
    md.ok(['run', '-d', '--name', 'dead6', '--network', 'gw-r6', '-p', '[::]:8085:85', 'busybox', 'sleep', '600']);
    const [keep, dead] = [ip6('keep6'), ip6('dead6')];
    expect(set6()).toContain(`${dead} . tcp . 85`);
    const id = md.ok(['inspect', '-f', '{{.Id}}', 'dead6']);
    killHard('dead6');
    await sleep(200);
    rmSync(join(md.root, 'networks', 'endpoints', `${id}.json`));
    let r = md.run(['system', 'prune', '-f']);
    expect(r.code, r.stderr).toBe(0);
    expect(set6()).not.toContain(`${dead} . tcp . 85`);
    expect(set6()).toContain(`${keep} . tcp . 84`);
    killHard('keep6');
    md.ok(['rm', '-f', 'keep6', 'dead6']);
    rmSync(join(md.root, 'networks', 'nets', 'gw-r6.json'));
    r = md.run(['system', 'prune', '-f']);
    expect(r.code, r.stderr).toBe(0);
    expect(set6()).toBe('');
    expect(t6()).not.toMatch(/chain fi_mdgwr6/);
  });
});

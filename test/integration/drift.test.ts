// The host changes behind minidock's back: a container's netns deleted, the bridge deleted,
// minidock's rules flushed by another tool, a "reboot" that empties /run and kills every
// process. Each time `ps` must tell the truth and the next `run` must repair what it needs.
// Everything happens inside the throwaway host netns of the Minidock helper.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Minidock, sh, sleep } from '../helpers/cli.js';

const md = new Minidock();
const WEB = ['sh', '-c', 'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www'];
// (busybox wget -T segfaults in Debian's busybox-static: bound it with timeout(1))
const wget = (url: string) => md.inHost('timeout', ['4', 'busybox', 'wget', '-q', '-O-', url]).stdout.trim();

async function until(f: () => boolean, ms = 5000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (f()) return true;
  return f();
}

function natRules(): string {
  return md.inHost('iptables-save', ['-t', 'nat']).stdout;
}

beforeAll(() => {
  md.ok(['run', '--rm', 'busybox', 'true']); // builds the image, the bridge and the base rules
});
afterAll(() => md.cleanup());

describe('host changes behind minidock\'s back', () => {
  it('a deleted container netns: ps stays truthful, rm cleans up, the next run works', async () => {
    const id = md.ok(['run', '-d', '--name', 'nsgone', 'busybox', 'sleep', '60']);
    expect(sh('ip', ['netns', 'del', `minidock-${id.slice(0, 12)}`]).code).toBe(0);
    // the process still runs (its netns lives while it does): running is the truth
    expect(md.ok(['inspect', '-f', '{{.State.Status}}', 'nsgone'])).toBe('running');
    expect(md.run(['rm', '-f', 'nsgone']).code).toBe(0);
    expect(md.inHost('ip', ['-o', 'link']).stdout).not.toContain(`md${id.slice(0, 12)}`);
    expect(md.ok(['run', '--rm', 'busybox', 'sh', '-c', 'ip -o -4 addr show eth0 | wc -l'])).toBe('1');
  });

  it('a deleted bridge is re-created by the next run, and published ports work again', async () => {
    md.ok(['run', '-d', '--name', 'old', 'busybox', 'sleep', '60']);
    expect(md.inHost('ip', ['link', 'del', 'minidock0']).code).toBe(0);
    expect(md.ok(['inspect', '-f', '{{.State.Status}}', 'old'])).toBe('running');
    md.ok(['run', '-d', '--name', 'web1', '-p', '8081:80', 'busybox', ...WEB]);
    expect(md.inHost('ip', ['-o', 'link', 'show', 'minidock0']).code).toBe(0);
    expect(await until(() => wget('http://127.0.0.1:8081/') === 'hello')).toBe(true);
    const gw = JSON.parse(md.ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'bridge']))[0].Gateway;
    expect(md.ok(['exec', 'web1', 'ping', '-c1', '-W2', gw])).toContain('1 packets received');
    md.ok(['rm', '-f', 'old', 'web1']);
  });

  it("minidock's rules flushed by another tool are put back by the next run", async () => {
    md.ok(['run', '-d', '--name', 'web2', '-p', '8082:80', 'busybox', ...WEB]);
    expect(await until(() => wget('http://127.0.0.1:8082/') === 'hello')).toBe(true);
    // another tool wipes minidock's chains (only minidock's own, inside the test's host netns)
    for (const [table, chain] of [['nat', 'MINIDOCK-DNAT'], ['nat', 'MINIDOCK-POSTROUTING'], ['filter', 'MINIDOCK-FORWARD']]) {
      expect(md.inHost('iptables', ['-t', table, '-F', chain]).code).toBe(0);
    }
    expect(natRules()).not.toMatch(/MASQUERADE/);
    md.ok(['run', '-d', '--name', 'web3', '-p', '8083:80', 'busybox', ...WEB]);
    expect(natRules()).toMatch(/-A MINIDOCK-POSTROUTING .*MASQUERADE/);
    expect(await until(() => wget('http://127.0.0.1:8083/') === 'hello')).toBe(true);
    // the running container's own DNAT rule comes back when it is restarted
    md.ok(['restart', '-t', '0', 'web2']);
    expect(await until(() => wget('http://127.0.0.1:8082/') === 'hello')).toBe(true);
    md.ok(['rm', '-f', 'web2', 'web3']);
  });

  it('a "reboot" (every process killed, /run/netns and the bridge gone): ps truthful, prune clean, run works', async () => {
    const ids = [md.ok(['run', '-d', '--name', 'boot1', '-p', '8084:80', 'busybox', ...WEB]), md.ok(['run', '-d', '--name', 'boot2', 'busybox', 'sleep', '60'])];
    for (const id of ids) {
      const pid = Number(md.ok(['inspect', '-f', '{{.State.Pid}}', id]));
      const shim = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      process.kill(shim, 'SIGKILL');
      process.kill(pid, 'SIGKILL');
    }
    await sleep(100);
    for (const id of ids) sh('ip', ['netns', 'del', `minidock-${id.slice(0, 12)}`]);
    md.inHost('ip', ['link', 'del', 'minidock0']);
    const states = md.ok(['ps', '-a', '--format', '{{.Names}} {{.State}}']);
    expect(states).toMatch(/^boot1 exited$/m);
    expect(states).toMatch(/^boot2 exited$/m);
    const pruned = md.ok(['system', 'prune', '-f']);
    expect(md.ok(['ps', '-a', '-q']), pruned).toBe('');
    expect(md.inHost('ip', ['-o', 'link']).stdout).not.toMatch(/: md[0-9a-f]{12}/);
    // the port the dead container held is free again
    md.ok(['run', '-d', '--name', 'after', '-p', '8084:80', 'busybox', ...WEB]);
    expect(await until(() => wget('http://127.0.0.1:8084/') === 'hello')).toBe(true);
    md.ok(['rm', '-f', 'after']);
  });
});

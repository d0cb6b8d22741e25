// network connect / disconnect of a container that is not running, its own (--network)
// network included, as Docker allows (docker-compose disconnects a created container from its
// network and connects it again with the service's aliases): only the configuration changes,
// the networks are wired when it starts. Through the real CLI, in the test's "host" netns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Minidock } from '../helpers/cli.js';

describe('connect / disconnect of a created or stopped container, its own network too', () => {
  let md: Minidock;
  const ifaces = (c: string) => md.ok(['exec', c, 'ls', '/sys/class/net']).split(/\s+/).sort();
  const nets = (c: string) => md.ok(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', c]).trim();
  const resolves = (from: string, name: string) => md.run(['exec', from, 'nslookup', name]).stdout.match(/^Address: (\S+)$/gm)?.pop()?.slice(9);
  const ipOn = (c: string, net: string) => md.ok(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, c]);

  beforeAll(() => {
    md = new Minidock();
    md.ok(['network', 'create', '--subnet', '10.211.0.0/24', 'back']);
    md.ok(['network', 'create', '--subnet', '10.212.0.0/24', 'front']);
    md.ok(['run', '-d', '--name', 'peer', '--network', 'back', 'busybox', 'sleep', '600']);
    md.ok(['network', 'connect', 'front', 'peer']);
  });
  afterAll(() => md?.cleanup());

  it('a created container leaves its own network and joins it again with new aliases (what docker-compose does)', () => {
    md.ok(['create', '--name', 'svc', '--network', 'back', '--network-alias', 'old', 'busybox', 'sleep', '600']);
    md.ok(['network', 'disconnect', 'back', 'svc']);
    expect(nets('svc')).toBe('');
    expect(md.run(['network', 'disconnect', 'back', 'svc']).stderr).toContain('is not connected to network back');
    // Docker keeps NetworkMode
    expect(md.ok(['inspect', '-f', '{{.HostConfig.NetworkMode}}', 'svc'])).toBe('back');
    md.ok(['network', 'connect', '--alias', 'web', '--alias', 'www', 'back', 'svc']);
    expect(md.run(['network', 'connect', 'back', 'svc']).stderr).toContain('endpoint with name svc already exists in network back');
    md.ok(['network', 'connect', '--alias', 'edge', 'front', 'svc']);
    expect(nets('svc')).toBe('back front');
    md.ok(['start', 'svc']);
    expect(ifaces('svc')).toEqual(['eth0', 'eth1', 'lo']);
    // eth0 is its own network's, with the aliases of the connect; the old one is gone
    expect(md.ok(['exec', 'svc', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])).toContain(ipOn('svc', 'back'));
    expect(resolves('peer', 'web')).toBe(ipOn('svc', 'back'));
    expect(resolves('peer', 'www')).toBe(ipOn('svc', 'back'));
    expect(resolves('peer', 'edge')).toBe(ipOn('svc', 'front'));
    expect(resolves('peer', 'old')).toBeUndefined();
    md.ok(['rm', '-f', 'svc']);
  });

  it('left while stopped: it starts without that network (only lo, or the others it is connected to)', () => {
    md.ok(['create', '--name', 'loner', '--network', 'back', 'busybox', 'sleep', '600']);
    md.ok(['network', 'disconnect', 'back', 'loner']);
    md.ok(['start', 'loner']);
    expect(ifaces('loner')).toEqual(['lo']);
    expect(nets('loner')).toBe('');
    md.ok(['stop', '-t', '0', 'loner']);
    // only on another network: that one is its eth0
    md.ok(['network', 'connect', 'front', 'loner']);
    md.ok(['start', 'loner']);
    expect(ifaces('loner')).toEqual(['eth0', 'lo']);
    expect(nets('loner')).toBe('front');
    expect(resolves('peer', 'loner')).toBe(ipOn('loner', 'front'));
    md.ok(['rm', '-f', 'loner']);
  });

  it('left while it runs: not joined again at the next start (as Docker)', () => {
    md.ok(['run', '-d', '--name', 'runner', '--network', 'back', 'busybox', 'sleep', '600']);
    md.ok(['network', 'connect', 'front', 'runner']);
    md.ok(['network', 'disconnect', 'back', 'runner']);
    md.ok(['restart', '-t', '0', 'runner']);
    expect(nets('runner')).toBe('front');
    expect(ifaces('runner')).toEqual(['eth0', 'lo']);
    // and back on it while it runs: joined at the following starts as its own network again
    md.ok(['network', 'connect', 'back', 'runner']);
    md.ok(['restart', '-t', '0', 'runner']);
    expect(nets('runner')).toBe('back front');
    expect(ifaces('runner')).toEqual(['eth0', 'eth1', 'lo']);
    expect(md.ok(['exec', 'runner', 'ip', '-4', '-o', 'addr', 'show', 'eth0'])).toContain(ipOn('runner', 'back'));
    md.ok(['rm', '-f', 'runner']);
  });
});

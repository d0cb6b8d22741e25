// Issue 13, inspect fields and exit codes as Docker's. The expected keys and values are Docker
// 20.10's (moby v20.10 api/types/types.go ContainerJSONBase and NetworkSettings,
// api/types/container/config.go and host_config.go, daemon/daemon_unix.go for MemorySwap;
// docker/cli v20.10 cli/command/container/opts.go and run.go for the Attach* fields).
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Minidock } from '../helpers/cli.js';

const md = new Minidock();
afterAll(() => md.cleanup());
const inspect = (ref: string, ...flags: string[]) => JSON.parse(md.ok(['inspect', ...flags, ref]))[0];

describe('inspect: Config', () => {
  it("has Docker's keys in Docker's order; run -d attaches nothing", () => {
    md.ok(['run', '-d', '--name', 'web', '-p', '8080:80', '-p', '127.0.0.1::81/udp', 'busybox', 'sleep', '300']);
    const c = inspect('web');
    expect(Object.keys(c.Config)).toEqual([
      'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty', 'OpenStdin',
      'StdinOnce', 'Env', 'Cmd', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint', 'OnBuild', 'Labels',
    ]);
    expect(c.Config).toMatchObject({ AttachStdin: false, AttachStdout: false, AttachStderr: false, StdinOnce: false, Volumes: null, OnBuild: null });
    // -p's container ports are exposed (nat.ParsePortSpecs)
    expect(c.Config.ExposedPorts).toEqual({ '80/tcp': {}, '81/udp': {} });
    // no -w and busybox has no WORKDIR: "", and HOSTNAME is not in Config.Env (the daemon adds it at start)
    expect(c.Config.WorkingDir).toBe('');
    expect(c.Config.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(md.ok(['exec', 'web', 'sh', '-c', 'echo $HOSTNAME; pwd'])).toBe(`${c.Id.slice(0, 12)}\n/`);
  });

  it('create -i attaches stdin, stdout, stderr and sets StdinOnce; no ports, no ExposedPorts key (omitempty)', () => {
    md.ok(['create', '-i', '--name', 'inter', '-w', '/tmp', 'busybox', 'cat']);
    const c = inspect('inter');
    expect(c.Config).toMatchObject({ AttachStdin: true, AttachStdout: true, AttachStderr: true, OpenStdin: true, StdinOnce: true, WorkingDir: '/tmp' });
    expect('ExposedPorts' in c.Config).toBe(false);
  });
});

describe('inspect: HostConfig', () => {
  it('NetworkMode "default" without --network, RestartPolicy "no", PortBindings as typed', () => {
    const hc = inspect('web').HostConfig;
    expect(hc.NetworkMode).toBe('default');
    expect(hc.RestartPolicy).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    // the host port as given: "" for a random one
    expect(hc.PortBindings).toEqual({ '80/tcp': [{ HostIp: '', HostPort: '8080' }], '81/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(hc).toMatchObject({ LogConfig: { Type: 'json-file', Config: {} }, PublishAllPorts: false, Dns: [], ExtraHosts: null, ConsoleSize: [0, 0] });
    expect('Tmpfs' in hc).toBe(false); // omitempty
    md.ok(['create', '--name', 'explicit', '--network', 'bridge', '-m', '64m', 'busybox', 'true']);
    const ex = inspect('explicit').HostConfig;
    expect(ex.NetworkMode).toBe('bridge');
    expect(ex.Memory).toBe(64 * 1024 * 1024);
    expect(ex.MemorySwap).toBe(2 * 64 * 1024 * 1024); // the daemon's default: twice -m
    md.ok(['create', '--name', 'swap', '-m', '64m', '--memory-swap', '100m', 'busybox', 'true']);
    expect(inspect('swap').HostConfig.MemorySwap).toBe(100 * 1024 * 1024);
  });
});

describe('inspect: NetworkSettings', () => {
  const KEYS = [
    'Bridge', 'SandboxID', 'HairpinMode', 'LinkLocalIPv6Address', 'LinkLocalIPv6PrefixLen', 'Ports', 'SandboxKey',
    'SecondaryIPAddresses', 'SecondaryIPv6Addresses', 'EndpointID', 'Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen',
    'IPAddress', 'IPPrefixLen', 'IPv6Gateway', 'MacAddress', 'Networks',
  ];

  it("has Docker's 18 keys; running: the default bridge's address at the top, ports as set up", () => {
    const n = inspect('web').NetworkSettings;
    expect(Object.keys(n)).toEqual(KEYS);
    expect(n.IPAddress).toMatch(/^172\.17\.\d+\.\d+$/);
    expect(n.IPAddress).toBe(n.Networks.bridge.IPAddress);
    expect(n.EndpointID).toBe(n.Networks.bridge.EndpointID);
    expect(n.SandboxID).toMatch(/^[0-9a-f]{64}$/);
    expect(n).toMatchObject({ Bridge: '', HairpinMode: false, SecondaryIPAddresses: null, GlobalIPv6Address: '', IPv6Gateway: '' });
    expect(n.Ports['80/tcp']).toEqual([{ HostIp: '0.0.0.0', HostPort: '8080' }]);
    expect(Number(n.Ports['81/udp'][0].HostPort)).toBeGreaterThan(0); // the random port chosen
  });

  it('stopped or never started: the same keys, no addresses, the network still listed', () => {
    const n = inspect('explicit').NetworkSettings;
    expect(Object.keys(n)).toEqual(KEYS);
    expect(n).toMatchObject({ IPAddress: '', SandboxKey: '', SandboxID: '', Ports: {} });
    expect(Object.keys(n.Networks)).toEqual(['bridge']);
    expect(n.Networks.bridge).toMatchObject({ IPAddress: '', EndpointID: '', MacAddress: '' });
  });
});

describe('inspect -s and image VirtualSize', () => {
  it('SizeRw is the upper dir, SizeRootFs adds the image; only with -s', () => {
    md.ok(['exec', 'web', 'sh', '-c', 'head -c 3000 /dev/zero > /blob']);
    const img = JSON.parse(md.ok(['image', 'inspect', 'busybox']))[0];
    expect(img.VirtualSize).toBe(img.Size); // Docker 20.10: VirtualSize beside Size, the same number
    const c = inspect('web', '-s');
    expect(c.SizeRw).toBe(3000);
    expect(c.SizeRootFs).toBe(3000 + img.Size);
    expect(Object.keys(c).slice(Object.keys(c).indexOf('GraphDriver'), Object.keys(c).indexOf('GraphDriver') + 3)).toEqual(['GraphDriver', 'SizeRw', 'SizeRootFs']);
    expect('SizeRw' in inspect('web')).toBe(false);
  });
});

describe('records written before these fields', () => {
  it('still inspect, with the new fields computed or defaulted', () => {
    md.ok(['run', '-d', '--name', 'legacy', '-p', '9090:90', 'busybox', 'sleep', '300']);
    const id = md.ok(['inspect', '-f', '{{.Id}}', 'legacy']);
    const file = join(md.root, 'containers', id, 'container.json');
    const rec = JSON.parse(readFileSync(file, 'utf8'));
    // what the previous code wrote: no Attach*/StdinOnce/ExposedPorts, HOSTNAME in Env, WorkingDir "/"
    for (const k of ['AttachStdout', 'AttachStderr', 'StdinOnce', 'ExposedPorts']) delete rec.Config[k];
    for (const k of ['DefaultNetwork', 'PublishAllPorts']) delete rec.HostConfig[k];
    rec.Config.Env = [...rec.Config.Env, `HOSTNAME=${rec.Config.Hostname}`];
    rec.Config.WorkingDir = '/';
    writeFileSync(file, JSON.stringify(rec));
    const c = inspect('legacy');
    expect(c.Config).toMatchObject({ AttachStdout: false, AttachStderr: false, StdinOnce: false, ExposedPorts: { '90/tcp': {} }, WorkingDir: '/' });
    expect(c.HostConfig.NetworkMode).toBe('bridge');
    expect(Object.keys(c.NetworkSettings)).toHaveLength(18);
    expect(md.ok(['ps', '-f', 'name=legacy', '--format', '{{.Ports}}'])).toBe('0.0.0.0:9090->90/tcp');
    expect(md.ok(['exec', 'legacy', 'sh', '-c', 'echo $HOSTNAME'])).toBe(id.slice(0, 12));
  });
});

describe('exit codes as Docker 20.10 / the current CLI', () => {
  it('exec of a missing command 126 (daemon/exec.go marks a failed exec start 126)', () => {
    const r = md.run(['exec', 'web', 'nosuchcmd']);
    expect(r.code).toBe(126);
    expect(r.stderr).toContain('exec: "nosuchcmd": executable file not found in $PATH');
    expect(md.run(['exec', 'web', '/no/such/path']).code).toBe(126);
    // run keeps 127 for its own command (translateContainerdStartErr)
    expect(md.run(['run', '--rm', 'busybox', 'nosuchcmd']).code).toBe(127);
  });

  it('unknown command, run without arguments, duplicate network, bad signal: 1; rm -f of nothing: 0', () => {
    expect(md.run(['nosuchcommand']).code).toBe(1); // "docker: 'x' is not a docker command." exit 1
    expect(md.run(['run']).code).toBe(1); // cli.RequiresMinArgs: a plain error
    expect(md.run(['ps', 'extra']).code).toBe(1); // cli.NoArgs
    md.ok(['network', 'create', 'dupnet']);
    const dup = md.run(['network', 'create', 'dupnet']);
    expect([dup.code, dup.stderr]).toEqual([1, 'Error response from daemon: network with name dupnet already exists\n']);
    md.ok(['network', 'rm', 'dupnet']);
    const sig = md.run(['kill', '-s', 'NOSUCH', 'web']);
    expect([sig.code, sig.stderr]).toEqual([1, 'Error response from daemon: cannot kill container: web: invalid signal: NOSUCH\n']);
    expect(md.ok(['inspect', '-f', '{{.State.Running}}', 'web'])).toBe('true');
    const rm = md.run(['rm', '-f', 'nosuch']);
    expect([rm.code, rm.stdout, rm.stderr]).toEqual([0, '', '']); // docker/cli rm.go: -f skips NotFound
    const rm2 = md.run(['rm', 'nosuch']);
    expect(rm2.code).toBe(1);
    expect(md.run(['run', '--no-such-flag', 'busybox']).code).toBe(125); // a flag error stays 125
  });
});

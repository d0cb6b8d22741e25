// The Engine API's pure parts: versioned paths, error mapping, filters, stream framing, the
// socket spec, and the ContainerCreate body → run flags mapping.
import { describe, expect, it } from 'vitest';
import { ApiError, apiErrorOf, filterFlags, splitVersion, statusOfMessage } from '../../src/api/http.js';
import { frame, unframe } from '../../src/api/framing.js';
import { parseIdle, parseSocket } from '../../src/api/service.js';
import { createRequestOf } from '../../src/api/create-body.js';
import { UserError } from '../../src/errors.js';
import { TABLE, match } from '../../src/api/routes.js';

const status = (f: () => unknown): number => {
  try {
    f();
  } catch (e) {
    return (e as ApiError).status;
  }
  return 0;
};

describe('versioned paths', () => {
  it('strips /v1.xx, accepts 1.24 … 1.44 and unversioned paths', () => {
    expect(splitVersion('/v1.44/containers/json')).toEqual({ version: '1.44', path: '/containers/json' });
    expect(splitVersion('/v1.24/info')).toEqual({ version: '1.24', path: '/info' });
    expect(splitVersion('/v1.41/_ping')).toEqual({ version: '1.41', path: '/_ping' });
    expect(splitVersion('/containers/json')).toEqual({ version: '1.44', path: '/containers/json' });
  });
  it("refuses versions outside the range with Docker's 400 and words", () => {
    expect(() => splitVersion('/v1.45/info')).toThrow('client version 1.45 is too new. Maximum supported API version is 1.44');
    expect(() => splitVersion('/v1.23/info')).toThrow('client version 1.23 is too old. Minimum supported API version is 1.24');
    expect(() => splitVersion('/v2.0/info')).toThrow('too new');
    expect(status(() => splitVersion('/v1.12/info'))).toBe(400);
    // 1.9 < 1.24 numerically (not as strings)
    expect(() => splitVersion('/v1.9/info')).toThrow('too old');
  });
});

describe('errors', () => {
  it("engine messages lose the CLI's prefix and get Docker's status", () => {
    const e = apiErrorOf(new UserError('Error response from daemon: No such container: x', 1));
    expect([e.status, e.message]).toEqual([404, 'No such container: x']);
    expect(apiErrorOf(new UserError('Conflict. The container name "/a" is already in use by container "b". You have…')).status).toBe(409);
    expect(apiErrorOf(new UserError('network n1 not found', 1)).status).toBe(404);
    expect(apiErrorOf(new UserError('invalid argument "x" for "-p" flag')).status).toBe(400);
    expect(apiErrorOf(new Error('EIO: disk on fire')).status).toBe(500);
    expect(statusOfMessage('cannot kill container: x: container abc is not running')).toBe(409);
    expect(statusOfMessage('No such image: busybox:2')).toBe(404);
  });
});

describe('filters', () => {
  it("Docker's map form and the older list form become the CLI's flags", () => {
    const q = (f: unknown) => new URLSearchParams({ filters: JSON.stringify(f) });
    expect(filterFlags(q({ name: { web: true }, status: { running: true, exited: false } }))).toEqual(['name=web', 'status=running']);
    expect(filterFlags(q({ label: ['a=1', 'b'] }))).toEqual(['label=a=1', 'label=b']);
    expect(filterFlags(new URLSearchParams())).toEqual([]);
    expect(status(() => filterFlags(new URLSearchParams({ filters: '{bad' })))).toBe(400);
  });
});

describe('stream framing', () => {
  it("8-byte headers: stream, three zeros, big-endian length", () => {
    const f = frame(2, 'err\n');
    expect([...f.subarray(0, 8)]).toEqual([2, 0, 0, 0, 0, 0, 0, 4]);
    expect(f.subarray(8).toString()).toBe('err\n');
    const big = frame(1, Buffer.alloc(70000, 97));
    expect(big.readUInt32BE(4)).toBe(70000);
    const both = Buffer.concat([frame(1, 'a'), frame(2, 'bc'), frame(1, 'def').subarray(0, 5)]);
    const r = unframe(both);
    expect(r.frames.map((x) => [x.stream, x.data.toString()])).toEqual([[1, 'a'], [2, 'bc']]);
    expect(r.rest.length).toBe(5);
  });
});

describe('the socket', () => {
  it('a unix path, or TCP on loopback only', () => {
    expect(parseSocket('unix:///run/minidock.sock')).toEqual({ unix: '/run/minidock.sock' });
    expect(parseSocket('tcp://127.0.0.1:2375')).toEqual({ host: '127.0.0.1', port: 2375 });
    expect(parseSocket('tcp://[::1]:2375')).toEqual({ host: '::1', port: 2375 });
    expect(() => parseSocket('tcp://0.0.0.0:2375')).toThrow('only on a loopback address');
    expect(() => parseSocket('tcp://192.168.1.5:2375')).toThrow('only on a loopback address');
    expect(() => parseSocket('unix://relative.sock')).toThrow('absolute');
    expect(() => parseSocket('tcp://127.0.0.1:0')).toThrow('invalid port');
    expect(() => parseSocket('http://x')).toThrow('expected unix');
    expect(parseIdle(undefined)).toBe(5);
    expect(parseIdle('0')).toBe(0);
    expect(() => parseIdle('-1')).toThrow('--time');
  });
});

describe('ContainerCreate body → run flags', () => {
  it('maps what the docker CLI sends for run -d --name -p -e --network -v --restart', () => {
    const r = createRequestOf(
      {
        Image: 'busybox',
        Cmd: ['httpd', '-f'],
        Env: ['A=1'],
        Labels: { k: 'v' },
        Tty: false,
        OpenStdin: false,
        AttachStdout: false,
        ExposedPorts: { '80/tcp': {} },
        HostConfig: {
          Binds: ['/srv:/data:ro'],
          PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }], '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
          NetworkMode: 'net1',
          RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
          AutoRemove: false,
          LogConfig: { Type: '', Config: {} },
          ConsoleSize: [0, 0],
          Isolation: '',
          CgroupnsMode: 'private',
          MemorySwappiness: null,
          NanoCpus: 1500000000,
          Memory: 64 << 20,
        },
        NetworkingConfig: { EndpointsConfig: { net1: { Aliases: ['www'], IPAMConfig: { IPv4Address: '10.1.0.9' } } } },
      },
      'web',
    );
    expect(r.image).toBe('busybox');
    expect(r.command).toEqual(['httpd', '-f']);
    const f = r.flags;
    expect(f.name).toBe('web');
    expect(f.env).toEqual(['A=1']);
    expect(f.label).toEqual(['k=v']);
    expect(f.volume).toEqual(['/srv:/data:ro']);
    expect(f.publish.sort()).toEqual(['127.0.0.1::53/udp', '8080:80/tcp']);
    expect(createRequestOf({ Image: 'x', HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }] } } }, undefined).flags.publish).toEqual(['80/tcp']);
    expect(f.network).toBe('net1');
    expect(f.networkAlias).toEqual(['www']);
    expect(f.ip).toBe('10.1.0.9');
    expect(f.restart).toBe('on-failure:3');
    expect(f.cpus).toBe('1.5');
    expect(f.memory).toBe(String(64 << 20));
    expect(f.expose).toEqual(['80/tcp']);
    expect(f.pull).toBe('never');
    expect(f.entrypointList).toBeUndefined();
  });
  it('Entrypoint: a list; [""] clears the image\'s', () => {
    expect(createRequestOf({ Image: 'x', Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo hi'] }, undefined).flags.entrypointList).toEqual(['/bin/sh', '-c']);
    expect(createRequestOf({ Image: 'x', Entrypoint: [''] }, undefined).flags.entrypointList).toEqual([]);
    expect(createRequestOf({ Image: 'x', Entrypoint: null }, undefined).flags.entrypointList).toBeUndefined();
  });
  it('the default endpoint is named "default" (no --network) or "bridge"', () => {
    expect(createRequestOf({ Image: 'x', HostConfig: { NetworkMode: 'default' }, NetworkingConfig: { EndpointsConfig: { default: { Aliases: ['a'] } } } }, undefined).flags.networkAlias).toEqual(['a']);
    expect(createRequestOf({ Image: 'x', NetworkingConfig: { EndpointsConfig: { bridge: {} } } }, undefined).flags.network).toBeUndefined();
  });
  it('refuses, never drops, what it cannot honour', () => {
    expect(() => createRequestOf(undefined, undefined)).toThrow('Config cannot be empty');
    expect(() => createRequestOf({ Cmd: ['x'] }, undefined)).toThrow('No image');
    expect(() => createRequestOf({ Image: 'x', HostConfig: { BlkioWeight: 300 } }, undefined)).toThrow('HostConfig.BlkioWeight: not supported');
    expect(() => createRequestOf({ Image: 'x', Shell: ['/bin/bash'] }, undefined)).toThrow('Shell: not supported');
    expect(() => createRequestOf({ Image: 'x', HostConfig: { OomKillDisable: true } }, undefined)).toThrow('OomKillDisable');
    expect(() => createRequestOf({ Image: 'x', Env: ['NOVALUE'] }, undefined)).toThrow('has no value');
    expect(() => createRequestOf({ Image: 'x', NetworkingConfig: { EndpointsConfig: { a: {}, b: {} } } }, undefined)).toThrow('one network at create');
    expect(() => createRequestOf({ Image: 'x', HostConfig: { NetworkMode: 'a' }, NetworkingConfig: { EndpointsConfig: { b: {} } } }, undefined)).toThrow('not the container');
    // zero values of unknown keys are "not set": accepted
    expect(createRequestOf({ Image: 'x', HostConfig: { BlkioWeight: 0, DeviceRequests: null, Ulimits: [] } }, undefined).image).toBe('x');
  });
});

describe('the route table', () => {
  it('every route names a handler its module exports', async () => {
    for (const [method, path, mod, name] of TABLE) expect(typeof (await mod())[name], `${method} ${path} → ${name}`).toBe('function');
  });
  it('{id} is one segment, {name*} the rest; 405 and 404 as Docker', () => {
    expect(match('GET', '/containers/abc/json').params).toEqual(['abc']);
    expect(match('GET', '/images/localhost:5000/a/b:1/json').params).toEqual(['localhost:5000/a/b:1']);
    expect(match('DELETE', '/images/a%2Fb').params).toEqual(['a/b']);
    expect(status(() => match('PUT', '/containers/json'))).toBe(405);
    expect(status(() => match('GET', '/containers/a/b/json'))).toBe(404);
    expect(status(() => match('GET', '/swarm'))).toBe(404);
  });
});

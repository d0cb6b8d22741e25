import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { bindingsClash, formatPortLines, parsePortSpec, parsePortSpecs, portsToSettings } from '../../src/engine/network/ports.js';

const b = (hostIp: string, hostPort: number, containerPort: number, proto: 'tcp' | 'udp' = 'tcp') => ({ hostIp, hostPort, containerPort, proto });

describe('parsePortSpec', () => {
  const valid: [string, object[]][] = [
    ['80', [b('', 0, 80)]],
    ['8080:80', [b('', 8080, 80)]],
    ['8080:80/udp', [b('', 8080, 80, 'udp')]],
    ['8080:80/TCP', [b('', 8080, 80)]],
    ['127.0.0.1:8080:80', [b('127.0.0.1', 8080, 80)]],
    ['0.0.0.0:8080:80', [b('0.0.0.0', 8080, 80)]],
    ['127.0.0.1::80', [b('127.0.0.1', 0, 80)]],
    ['8000-8001:80-81', [b('', 8000, 80), b('', 8001, 81)]],
    ['8000-8001:80-81/udp', [b('', 8000, 80, 'udp'), b('', 8001, 81, 'udp')]],
    ['80-81', [b('', 0, 80), b('', 0, 81)]],
    ['8000-8010:80', [{ ...b('', 8000, 80), hostPortEnd: 8010 }]],
    ['65535:1', [b('', 65535, 1)]],
  ];
  it.each(valid)('%s', (spec, want) => expect(parsePortSpec(spec)).toEqual(want));

  const invalid = ['', ' ', '0', '65536', '8080:0', 'abc', '8080:abc', ':80', '8080:80/sctp', '8080:80/', '1.2.3:8080:80', '300.0.0.1:80:80',
    '8000-8002:80-81', '81-80', '[::1]:8080:80', '::1:8080:80', '80 ', '1:2:3:4', '-1:80', '8080:-80', '127.0.0.1:8080'];
  it.each(invalid)('rejects %j with a UserError', (spec) => {
    expect(() => parsePortSpec(spec)).toThrow(UserError);
    expect(() => parsePortSpec(spec)).toThrow(/invalid port specification/);
  });

  it('refuses the same host port twice across -p', () => {
    expect(() => parsePortSpecs(['8080:80', '8080:81'])).toThrow('Bind for 0.0.0.0:8080 failed: port is already allocated');
    expect(() => parsePortSpecs(['127.0.0.1:8080:80', '8080:81'])).toThrow(/already allocated/);
    expect(parsePortSpecs(['8080:80', '8080:80/udp', '127.0.0.1:9000:80', '127.0.0.2:9000:80'])).toHaveLength(4);
  });

  it('clash rules', () => {
    expect(bindingsClash(b('', 80, 1), b('127.0.0.1', 80, 2))).toBe(true);
    expect(bindingsClash(b('127.0.0.1', 80, 1), b('127.0.0.2', 80, 2))).toBe(false);
    expect(bindingsClash(b('', 80, 1), b('', 80, 1, 'udp'))).toBe(false);
    expect(bindingsClash(b('', 0, 1), b('', 0, 1))).toBe(false);
  });

  it("Docker's Ports shape and `port` output", () => {
    const s = portsToSettings([b('', 8080, 80), b('127.0.0.1', 8443, 443), b('', 5353, 53, 'udp')]);
    expect(s).toEqual({
      '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }],
      '443/tcp': [{ HostIp: '127.0.0.1', HostPort: '8443' }],
      '53/udp': [{ HostIp: '0.0.0.0', HostPort: '5353' }],
    });
    expect(formatPortLines(s)).toEqual(['53/udp -> 0.0.0.0:5353', '80/tcp -> 0.0.0.0:8080', '443/tcp -> 127.0.0.1:8443']);
    expect(formatPortLines(s, '80')).toEqual(['0.0.0.0:8080']);
    expect(formatPortLines(s, '53/udp')).toEqual(['0.0.0.0:5353']);
  });
});

// Pure logic of per-family port claims (#14): a port on every address held in some families only
// (an IPv4-only network's, a dual-stack one routed in one family), and inspect's Ports for a
// routed family (no host port, as Docker's "Host port ignored, because NAT is disabled").
import { describe, expect, it } from 'vitest';
import { bindingsClash, portsToSettings, type PortClaim } from '../../src/engine/network/ports.js';

const any = (families?: (4 | 6)[]): PortClaim => ({ hostIp: '', hostPort: 8080, proto: 'tcp', ...(families ? { families } : {}) });
const at = (hostIp: string): PortClaim => ({ hostIp, hostPort: 8080, proto: 'tcp' });

describe('per-family port claims', () => {
  it('a port on every address clashes only in the families it holds', () => {
    expect(bindingsClash(any([4]), at('::'))).toBe(false);
    expect(bindingsClash(any([4]), at('2001:db8::1'))).toBe(false);
    expect(bindingsClash(any([4]), at('0.0.0.0'))).toBe(true);
    expect(bindingsClash(any([4]), at('192.0.2.1'))).toBe(true);
    expect(bindingsClash(any([6]), at('::'))).toBe(true);
    expect(bindingsClash(any([6]), at('127.0.0.1'))).toBe(false);
    expect(bindingsClash(any([4]), any([6]))).toBe(false);
    expect(bindingsClash(any([4, 6]), any([6]))).toBe(true);
    // no families (an older ports.json): both, as before
    expect(bindingsClash(any(), at('::'))).toBe(true);
    expect(bindingsClash(any(), at('0.0.0.0'))).toBe(true);
    // the protocol and the port still part them
    expect(bindingsClash(any([6]), { ...at('::'), proto: 'udp' })).toBe(false);
    expect(bindingsClash(any([6]), { ...at('::'), hostPort: 8081 })).toBe(false);
  });

  it("inspect's Ports: a routed family's entry has no host port", () => {
    const b = { hostIp: '', hostPort: 8080, containerPort: 80, proto: 'tcp' as const };
    expect(portsToSettings([b], true)).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '8080' }] });
    expect(portsToSettings([b], true, [6])).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }, { HostIp: '::', HostPort: '' }] });
    expect(portsToSettings([b], true, [4])).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '' }, { HostIp: '::', HostPort: '8080' }] });
    expect(portsToSettings([{ ...b, hostIp: '2001:db8::1' }], true, [4])).toEqual({ '80/tcp': [{ HostIp: '2001:db8::1', HostPort: '8080' }] });
    expect(portsToSettings([b], false, [6])).toEqual({ '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] });
  });
});

// The diagram and a network's IPv6 gateway mode (gateway_mode_ipv6): a v6-isolated bridge has no
// IPv6 gateway address by design (no drift for it), a missing one on a nat bridge is drift, and
// the mode is shown in the network's head line. The mode comes from gatewayModeOfNet, through the
// driver's caps: only the bridge driver's networks have gateway modes.
import { describe, expect, it } from 'vitest';
import { buildDiagram } from '../../src/engine/network/diagram.js';
import { renderAscii } from '../../src/engine/network/diagram-render.js';
import { gatewayModeOfNet } from '../../src/engine/network/drivers/index.js';
import { GATEWAY_MODE6_OPT } from '../../src/engine/network/firewall/backend.js';
import { fixture } from './diagram-fixture.js';

/** The fixture with network front dual-stack (fd00:18::/64), its bridge having only its IPv4 address. */
function dual(gatewayMode6?: string) {
  const s = fixture();
  // isolated is for --internal networks only (Docker's rule): no masquerade is expected then either
  s.networks[1] = { ...s.networks[1], subnet6: 'fd00:18::/64', gateway6: 'fd00:18::1', ...(gatewayMode6 ? { gatewayMode6, internal: gatewayMode6 === 'isolated' } : {}) };
  return s;
}

describe('diagram: IPv6 gateway mode', () => {
  it('a nat bridge lacking its IPv6 gateway address is drift; an isolated one is not, and shows its mode', () => {
    expect(buildDiagram(dual()).drift.map((d) => d.message)).toContain('network front: bridge mdbr-front lacks the IPv6 gateway address fd00:18::1/64');
    const d = buildDiagram(dual('isolated'));
    expect(d.drift.map((x) => x.message).filter((m) => /IPv6 gateway/.test(m))).toEqual([]);
    expect(d.bridges.find((b) => b.network === 'front')!.gatewayMode6).toBe('isolated');
    expect(renderAscii(d)).toMatch(/┌ network "front" .* IPv6 gateway mode isolated$/m);
  });

  it('gatewayModeOfNet reads gateway_mode_ipv6 for drivers with gateway modes only', () => {
    const Options = { [GATEWAY_MODE6_OPT]: 'routed' };
    expect(gatewayModeOfNet({ Driver: 'bridge', Options }, GATEWAY_MODE6_OPT)).toBe('routed');
    expect(gatewayModeOfNet({ Driver: 'bridge', Options })).toBe('nat'); // the IPv4 mode is its own
    expect(gatewayModeOfNet({ Driver: 'macvlan', Options }, GATEWAY_MODE6_OPT)).toBe('nat');
  });
});

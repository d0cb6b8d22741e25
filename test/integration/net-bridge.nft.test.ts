// The bridge scenarios of net-bridge.test.ts (published ports TCP/UDP, hairpin, masquerade, no
// direct access, loopback-only ports, FORWARD policy DROP, rollback, repair, 30 parallel setups,
// teardown leaves nothing) run again, unchanged, with the nftables firewall backend.
process.env.MINIDOCK_FIREWALL = 'nftables';
await import('./net-bridge.test.js');

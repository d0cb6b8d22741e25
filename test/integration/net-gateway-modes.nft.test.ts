// The gateway-mode scenarios of net-gateway-modes.test.ts, unchanged, with the nftables backend.
process.env.MINIDOCK_FIREWALL = 'nftables';
await import('./net-gateway-modes.test.js');

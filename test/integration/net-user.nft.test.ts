// The user-network scenarios of net-user.test.ts (isolation between networks, --internal,
// connect/disconnect, network rm) run again, unchanged, with the nftables firewall backend.
process.env.MINIDOCK_FIREWALL = 'nftables';
await import('./net-user.test.js');

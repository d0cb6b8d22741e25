// `network diagram --serve [ADDR:]PORT`: where it listens (loopback unless written out) and
// which Host headers a loopback server answers (DNS rebinding). Pure.
import { describe, expect, it } from 'vitest';
import { serveAddressOf } from '../../src/cli/diagram.js';
import { hostAllowed, isLoopback } from '../../src/engine/network/diagram-serve.js';

describe('--serve address', () => {
  it('PORT alone and localhost: 127.0.0.1; another address only as written', () => {
    expect(serveAddressOf('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(serveAddressOf('0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(serveAddressOf('localhost:80')).toEqual({ host: '127.0.0.1', port: 80 });
    expect(serveAddressOf('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(serveAddressOf('127.0.0.2:1')).toEqual({ host: '127.0.0.2', port: 1 });
    expect(serveAddressOf('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(serveAddressOf('[::]:65535')).toEqual({ host: '::', port: 65535 });
  });

  it('refuses what is not [ADDR:]PORT', () => {
    for (const bad of ['', 'x', ':80', '80:', '65536', '123456', '1.2.3:80', '1.2.3.256:80', '::1:80', '[::1]', '[nope]:80', 'example.com:80', '0.0.0.0:-1']) {
      expect(() => serveAddressOf(bad), bad).toThrow(/^invalid --serve /);
    }
  });

  it('loopback is 127/8 and ::1', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1'].map(isLoopback)).toEqual([true, true, true]);
    expect(['0.0.0.0', '10.0.0.1', '::', '128.0.0.1'].map(isLoopback)).toEqual([false, false, false, false]);
  });

  it('a loopback server answers loopback Host names only; another answers any', () => {
    for (const h of ['127.0.0.1:8080', 'localhost:1', 'localhost', '[::1]:8080', '127.1.2.3:9']) expect(hostAllowed(h, true), h).toBe(true);
    for (const h of [undefined, '', 'evil.example:8080', 'localhost.evil.example', '127.0.0.1.nip.example:80', '[::2]:80', '0.0.0.0:80']) expect(hostAllowed(h, true), String(h)).toBe(false);
    expect(hostAllowed('lan-name:8080', false)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import {
  mergeEnv, parseEnv, parseEnvFileText, parseHostname, parseSignal, parseTmpfs, parseUser, parseVolume, parseWorkdir,
  resolveUser, validateName, generateName,
} from '../../src/engine/container/options.js';
import { UserError } from '../../src/errors.js';

const bad = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(125);
    expect((e as Error).message).not.toContain('\n');
    return;
  }
  throw new Error('expected a UserError');
};

describe('container names', () => {
  it.each(['web', 'a1', 'my_app.v2-x', '/web'])('accepts %s', (n) => expect(validateName(n)).toBe(n.replace(/^\//, '')));
  it.each(['', 'a', '-x', 'has space', 'sl/ash', 'ünï', 'x'.repeat(129)])('refuses %j', (n) => bad(() => validateName(n)));
  it('generates unused names', () => {
    const taken = new Set<string>();
    for (let i = 0; i < 50; i++) taken.add(generateName((n) => taken.has(n)));
    expect(taken.size).toBe(50);
  });
});

describe('env', () => {
  it('parses NAME=value and copies NAME from the caller', () => {
    expect(parseEnv('A=1')).toBe('A=1');
    expect(parseEnv('A=')).toBe('A=');
    expect(parseEnv('A=b=c')).toBe('A=b=c');
    expect(parseEnv('HOME', { HOME: '/root' })).toBe('HOME=/root');
    expect(parseEnv('UNSET_X', {})).toBeUndefined();
  });
  it.each(['=x', 'A B'])('refuses %j', (s) => bad(() => parseEnv(s)));
  it('reads env files', () => {
    expect(parseEnvFileText('# c\n\nA=1\n  B=2\nC\n', 'f', { C: '3' })).toEqual(['A=1', 'B=2', 'C=3']);
    bad(() => parseEnvFileText('BAD NAME=1\n', 'f'));
  });
  it('merges with later entries winning, order kept', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1'], ['A=2', 'B=3'])).toEqual(['PATH=/bin', 'A=2', 'B=3']);
  });
});

describe('volumes and tmpfs', () => {
  it('parses binds', () => {
    expect(parseVolume('/h:/c')).toEqual({ source: '/h', target: '/c', readonly: false });
    expect(parseVolume('/h/:/c/d/:ro')).toEqual({ source: '/h/', target: '/c/d/', readonly: true });
    expect(parseVolume('/h:/c:rw')).toMatchObject({ readonly: false });
  });
  it.each(['/h', 'named:/c', '/h:c', '/h:/c:xx', '/h:/', ':/c', '/a:/b:ro:x'])('refuses %j', (v) => bad(() => parseVolume(v)));
  it('parses tmpfs', () => {
    expect(parseTmpfs('/run')).toEqual(['/run', '']);
    expect(parseTmpfs('/run:size=64m')).toEqual(['/run', 'size=64m']);
    expect(parseTmpfs('/run:ro,noexec,mode=1777,uid=1000')).toEqual(['/run', 'ro,noexec,mode=1777,uid=1000']);
    bad(() => parseTmpfs('/run:size=lots'));
    bad(() => parseTmpfs('/run:bogus'));
    bad(() => parseTmpfs('run'));
    bad(() => parseTmpfs('/'));
  });
});

describe('users', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\napp:x:1000:1000::/app:/bin/sh\n';
  const group = 'root:x:0:\nnogroup:x:65534:\napp:x:1000:\nextra:x:2000:app\n';
  it('resolves names and numbers', () => {
    // Docker's supplementary groups: the primary one and the user's memberships
    expect(resolveUser(undefined, passwd, group)).toEqual({ uid: 0, gid: 0, groups: [0] });
    expect(resolveUser(parseUser('app'), passwd, group)).toEqual({ uid: 1000, gid: 1000, groups: [1000, 2000] });
    expect(resolveUser(parseUser('1000:2000'), passwd, group)).toMatchObject({ uid: 1000, gid: 2000 });
    expect(resolveUser(parseUser('4242'), passwd, group)).toEqual({ uid: 4242, gid: 0, groups: [0] });
    expect(resolveUser(parseUser('nobody:app'), passwd, group)).toMatchObject({ uid: 65534, gid: 1000 });
  });
  it.each(['', ':1', 'a:b:c', 'bad user', '99999999999'])('refuses %j', (u) => bad(() => parseUser(u)));
  it('refuses unknown names', () => {
    bad(() => resolveUser(parseUser('ghost'), passwd, group));
    bad(() => resolveUser(parseUser('app:ghosts'), passwd, group));
  });
});

describe('other options', () => {
  it('workdir must be absolute', () => {
    expect(parseWorkdir('/a/../b')).toBe('/b');
    bad(() => parseWorkdir('rel'));
  });
  it('hostnames', () => {
    expect(parseHostname('web-1.local')).toBe('web-1.local');
    for (const h of ['-x', 'a_b', 'x'.repeat(64), '']) bad(() => parseHostname(h));
  });
  it('signals by name or number', () => {
    expect(parseSignal('KILL')).toBe(9);
    expect(parseSignal('sigterm')).toBe(15);
    expect(parseSignal('10')).toBe(10);
    for (const s of ['NOPE', '0', '65', '-1']) bad(() => parseSignal(s));
  });
});

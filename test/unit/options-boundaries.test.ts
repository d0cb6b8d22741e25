// `run` option parsers at their edges (issue 18): each refusal's message in full (so a value
// refused by the wrong rule fails), the limits (128-character names, 253-character hostnames
// and 63-character labels, uid 2^31-1, signal 64, 2^53-1), and every tmpfs option.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RootFileError } from '../../src/engine/container/rootfile.js';
import { UserError } from '../../src/errors.js';
import {
  checkBindSource, commandLine, generateName, resolveUserIn, mergeEnv, parseEnv, parseEnvFileText, parseHostname, parseNonNegInt, parseSignal, parseTmpfs, parseUser,
  parseVolume, parseWorkdir, readEnvFile, resolveUser, validateName,
} from '../../src/engine/container/options.js';
import { message } from '../helpers/thrown.js';

describe('names', () => {
  it('128 characters at most, 2 at least; the leading / of a Docker name is dropped', () => {
    expect(validateName('a'.repeat(128))).toBe('a'.repeat(128));
    expect(validateName('/ab')).toBe('ab');
    expect(message(() => validateName('a'.repeat(129)))).toBe(`Invalid container name (${'a'.repeat(129)}): at most 128 characters`);
    expect(message(() => validateName('a'))).toBe('Error response from daemon: Invalid container name (a), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
  });

  it('generated names: an adjective and a noun from the whole lists; a number after 10 taken tries', () => {
    const adj = new Set<string>();
    const noun = new Set<string>();
    const r = vi.spyOn(Math, 'random');
    for (let i = 0; i < 22; i++) {
      r.mockReturnValueOnce((i + 0.5) / 22).mockReturnValueOnce(((i % 20) + 0.5) / 20);
      const [a, n] = generateName(() => false).split('_');
      adj.add(a!);
      noun.add(n!);
    }
    r.mockRestore();
    expect(adj.size).toBe(22);
    expect(noun.size).toBe(20);
    for (const w of [...adj, ...noun]) expect(w).toMatch(/^[a-z]{4,}$/);
    expect(adj.has('undefined') || noun.has('undefined')).toBe(false);
    let n = 0;
    expect(generateName(() => n++ < 9)).toMatch(/^[a-z]+_[a-z]+$/); // the 10th try: still no number
    n = 0;
    expect(generateName(() => n++ < 10)).toMatch(/^[a-z]+_[a-z]+10$/); // the 11th: numbered
    n = 0;
    expect(generateName(() => n++ < 12)).toMatch(/^[a-z]+_[a-z]+12$/);
  });
});

describe('env', () => {
  it('each refusal in full', () => {
    expect(message(() => parseEnv('A\0B'))).toBe('invalid environment variable: "A\\u0000B"');
    expect(message(() => parseEnv('=x'))).toBe('invalid environment variable: =x');
    expect(message(() => parseEnv('A B'))).toBe('invalid environment variable: A B');
    expect(message(() => parseEnv(''))).toBe('invalid environment variable: ');
    expect(parseEnv('A=')).toBe('A=');
    expect(parseEnv('A=b=c')).toBe('A=b=c');
    expect(parseEnv('HOME_X', { HOME_X: '' })).toBe('HOME_X=');
    expect(parseEnv('UNSET_X', {})).toBeUndefined();
  });

  it('env files: line numbers, whitespace in names, unset names dropped, CRLF, comments', () => {
    expect(parseEnvFileText('A=1\r\n\n  # c\n  B=2\nUNSET_X\nSET_X\n', 'f', { SET_X: 'y' })).toEqual(['A=1', 'B=2', 'SET_X=y']);
    expect(message(() => parseEnvFileText('A=1\nB C=2\n', 'f'))).toBe("invalid env file f line 2: variable 'B C' contains whitespaces");
    expect(message(() => parseEnvFileText('A=1\n\n=x\n', 'f'))).toBe("invalid env file f line 3: no variable name on line '=x'");
  });

  it('readEnvFile: a file, a missing one, a directory', () => {
    const d = mkdtempSync(join(tmpdir(), 'minidock-envf-'));
    try {
      writeFileSync(join(d, 'e'), 'K=v\n');
      expect(readEnvFile(join(d, 'e'))).toEqual(['K=v']);
      expect(message(() => readEnvFile(join(d, 'none')))).toBe(`open ${join(d, 'none')}: no such file or directory`);
      expect(message(() => readEnvFile(d))).toBe(`read ${d}: is a directory`);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('merge: a bare NAME and NAME=value are the same variable', () => {
    expect(mergeEnv(['AB'], ['AB=1'])).toEqual(['AB=1']);
    expect(mergeEnv(['AB=1', 'C=2'], ['AB'])).toEqual(['AB', 'C=2']);
    expect(mergeEnv(['=v'], ['=w'])).toEqual(['=w']);
  });
});

describe('volumes and tmpfs', () => {
  it('-v: each refusal in full', () => {
    expect(message(() => parseVolume('a'))).toBe("Error response from daemon: invalid volume specification: 'a'");
    expect(message(() => parseVolume('/a:/b:ro:x'))).toBe("Error response from daemon: invalid volume specification: '/a:/b:ro:x'");
    expect(message(() => parseVolume('/a::ro'))).toBe("Error response from daemon: invalid volume specification: '/a::ro'");
    expect(message(() => parseVolume('vol:/b'))).toBe("invalid volume specification: 'vol:/b': named volumes are not supported, use an absolute host path");
    expect(message(() => parseVolume('/a:b'))).toBe(`Error response from daemon: invalid volume specification: '/a:b': invalid mount config for type "bind": invalid mount path: 'b' mount path must be absolute`);
    expect(message(() => parseVolume('/a:/b:xx'))).toBe('Error response from daemon: invalid mode: xx');
    expect(message(() => parseVolume('/a:/b:ro,xx'))).toBe('Error response from daemon: invalid mode: ro,xx');
    expect(message(() => parseVolume('/a:/b/..'))).toBe(`Error response from daemon: invalid volume specification: '/a:/b/..': invalid mount config for type "bind": invalid specification: destination can't be '/'`);
    // moby's linuxValidMountMode: one word of each kind at most
    for (const m of ['rw,ro', 'ro,ro', 'z,Z']) expect(message(() => parseVolume(`/a:/b:${m}`)), m).toBe(`Error response from daemon: invalid mode: ${m}`);
    expect(parseVolume('/a:/b:ro,z')).toMatchObject({ readonly: true });
  });

  it('-v: modes and normal forms', () => {
    expect(parseVolume('/a/../c:/b/')).toEqual({ source: '/c', target: '/b/', readonly: false });
    expect(parseVolume('/a:/b:ro,z')).toEqual({ source: '/a', target: '/b', readonly: true });
    expect(parseVolume('/a:/b:rw')).toMatchObject({ readonly: false });
    expect(parseVolume('/a:/b:Z')).toMatchObject({ readonly: false });
    expect(parseVolume('/a:/b:z')).toMatchObject({ readonly: false });
  });

  it('--tmpfs: every flag and value form Docker takes; anything else refused by name', () => {
    for (const f of ['ro', 'rw', 'noexec', 'exec', 'nosuid', 'suid', 'nodev', 'dev', 'noatime', 'relatime']) expect(parseTmpfs(`/t:${f}`), f).toEqual(['/t', f]);
    for (const o of ['size=64m', 'size=10%', 'size=64', 'size=1G', 'mode=1777', 'mode=755', 'uid=1000', 'gid=12', 'nr_inodes=10k', 'nr_inodes=10']) expect(parseTmpfs(`/t:${o}`), o).toEqual(['/t', o]);
    for (const o of ['size=m', 'size=64x', 'size=x64', 'size=64mm', 'mode=17777', 'mode=8', 'mode=a755', 'mode=7558', 'uid=x1', 'uid=1x', 'gid=a', 'gid=1a', 'gid=a1', 'nr_inodes=k', 'nr_inodes=10x', 'nr_inodes=x10', 'nr_inodes=10kk', 'foo=1', 'bogus', '=1']) {
      expect(message(() => parseTmpfs(`/t:${o}`)), o).toBe(`invalid tmpfs option ${JSON.stringify(o)} in '/t:${o}'`);
    }
    expect(parseTmpfs('/t/../u')).toEqual(['/u', '']);
    expect(message(() => parseTmpfs('rel'))).toBe("Error response from daemon: invalid mount path: 'rel' mount path must be absolute");
    expect(message(() => parseTmpfs('/x/..:ro'))).toBe("invalid tmpfs mount: '/x/..:ro': path must not be /");
  });
});

describe('users', () => {
  it('parse: limits and refusals in full', () => {
    expect(parseUser('u')).toEqual({ user: 'u', group: undefined });
    expect(parseUser('2147483647:2147483647')).toEqual({ user: '2147483647', group: '2147483647' });
    expect(message(() => parseUser('2147483648'))).toBe('invalid user: "2147483648": id out of range');
    expect(message(() => parseUser('u:2147483648'))).toBe('invalid user: "u:2147483648": id out of range');
    expect(message(() => parseUser('u:g!'))).toBe('invalid user: "u:g!"');
    expect(message(() => parseUser('u:'))).toBe('invalid user: "u:"');
    expect(message(() => parseUser('a:b:c'))).toBe('invalid user: "a:b:c"');
  });

  const passwd = 'root:x:0:0:root:/root:/bin/sh\nshort:x:1000\nfour:x:5:6\n1a:x:7:7::/:/bin/sh\na1:x:8:8::/:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n';
  const group = 'root:x:0:\nthin:x\ng3:x:7\n5x:x:55:\nprim:x:1000:app\nextra:x:2000:app,four\n';
  it('resolve: malformed lines ignored, 4 fields are enough, names that look like numbers, the primary group first (Docker/runc: primary, then memberships unless a group is given)', () => {
    expect(message(() => resolveUser({ user: 'short' }, passwd, group))).toBe('Error response from daemon: unable to find user short: no matching entries in passwd file');
    expect(resolveUser({ user: 'four' }, passwd, group)).toEqual({ uid: 5, gid: 6, groups: [6, 2000] });
    expect(resolveUser({ user: '1a' }, passwd, group)).toEqual({ uid: 7, gid: 7, groups: [7] });
    expect(resolveUser({ user: 'a1' }, passwd, group)).toEqual({ uid: 8, gid: 8, groups: [8] });
    expect(resolveUser({ user: '1000' }, passwd, group)).toEqual({ uid: 1000, gid: 1000, groups: [1000, 2000] }); // by number: the passwd entry with uid 1000
    expect(resolveUser({ user: 'app' }, passwd, group)).toEqual({ uid: 1000, gid: 1000, groups: [1000, 2000] }); // prim (1000) is its primary group
    expect(resolveUser({ user: 'app', group: '5x' }, passwd, group)).toEqual({ uid: 1000, gid: 55, groups: [55] }); // a group given: no memberships (docker run -u root:0: groups=0(root))
    expect(resolveUser({ user: 'app', group: 'g3' }, passwd, group)).toMatchObject({ gid: 7 });
    expect(message(() => resolveUser({ user: 'app', group: 'thin' }, passwd, group))).toBe('Error response from daemon: unable to find group thin: no matching entries in group file');
    expect(resolveUser({ user: '4242', group: '9' }, passwd, group)).toEqual({ uid: 4242, gid: 9, groups: [9] });
  });
});

describe('control characters in paths, bind sources', () => {
  it('-v, --tmpfs, -w: a control character in a path is refused, naming the path (shown escaped, on one line)', () => {
    expect(message(() => parseVolume('/a\tb:/c'))).toBe(String.raw`invalid volume specification: '/a\tb:/c': the path "/a\tb" contains a control character`);
    expect(message(() => parseVolume('/a:/c\nd'))).toBe(String.raw`invalid volume specification: '/a:/c\nd': the path "/c\nd" contains a control character`);
    expect(message(() => parseTmpfs('/t\x7f'))).toBe(String.raw`invalid tmpfs mount: '/t\x7f': the path "/t\x7f" contains a control character`);
    expect(message(() => parseWorkdir('/w\x01'))).toBe(String.raw`invalid working directory: '/w\x01': the path "/w\u0001" contains a control character`);
  });

  it('a bind source must exist', () => {
    expect(() => checkBindSource('/')).not.toThrow();
    expect(message(() => checkBindSource('/nonexistent-minidock-src'))).toBe('invalid mount config for type "bind": bind source path does not exist: /nonexistent-minidock-src (minidock does not create it, unlike docker run -v)');
  });
});

describe('resolveUserIn (the container\'s own files)', () => {
  const files: Record<string, string> = { '/etc/passwd': 'app:x:1000:1000::/:/bin/sh\n', '/etc/group': 'g:x:5:app\n' };
  it('no user: root with its groups from the files (as Docker); unreadable files leave root alone', () => {
    expect(resolveUserIn(undefined, () => { throw new Error('read'); })).toEqual({ uid: 0, gid: 0, groups: [0] });
    expect(resolveUserIn(undefined, (p) => ({ '/etc/passwd': 'root:x:0:0::/root:/bin/sh\n', '/etc/group': 'root:x:0:\nwheel:x:10:root\n' })[p])).toEqual({ uid: 0, gid: 0, groups: [0, 10] });
  });
  it('reads passwd and group through the given reader; absent files are empty', () => {
    const read: string[] = [];
    expect(resolveUserIn({ user: 'app' }, (p) => (read.push(p), files[p]))).toEqual({ uid: 1000, gid: 1000, groups: [5, 1000] });
    expect(read).toEqual(['/etc/passwd', '/etc/group']);
    expect(resolveUserIn({ user: '7' }, () => undefined)).toEqual({ uid: 7, gid: 0, groups: [0] });
  });
  it('errors carry the caller\'s exit code (exec: 126); an unreadable file says why', () => {
    let e: unknown;
    try {
      resolveUserIn({ user: 'ghost' }, (p) => files[p], 126);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(126);
    expect((e as UserError).message).toBe('Error response from daemon: unable to find user ghost: no matching entries in passwd file');
    try {
      resolveUserIn({ user: 'ghost' }, (p) => files[p]);
    } catch (x) {
      e = x;
    }
    expect((e as UserError).exitCode).toBe(125);
    try {
      resolveUserIn({ user: 'app' }, () => { throw new RootFileError('/etc/passwd is not a regular file'); }, 126);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(126);
    expect((e as UserError).message).toBe('unable to find user app: /etc/passwd is not a regular file');
    expect(() => resolveUserIn({ user: 'app' }, () => { throw new TypeError('other'); })).toThrow(TypeError);
  });
});

describe('other options', () => {
  it('workdir', () => {
    expect(message(() => parseWorkdir('rel'))).toBe("Error response from daemon: the working directory 'rel' is invalid, it needs to be an absolute path");
  });

  it('hostnames: 253 characters and 63-character labels at most; one-character labels', () => {
    const l63 = 'a'.repeat(63);
    const h253 = `${l63}.${l63}.${l63}.${'b'.repeat(61)}`;
    expect(h253).toHaveLength(253);
    expect(parseHostname(h253)).toBe(h253);
    expect(message(() => parseHostname(`${h253}c`))).toBe(`invalid hostname format: ${h253}c`);
    expect(message(() => parseHostname(`${'a'.repeat(64)}.b`))).toBe(`invalid hostname format: ${'a'.repeat(64)}.b`);
    expect(parseHostname(`${l63}.b`)).toBe(`${l63}.b`);
    for (const h of ['a', 'a.b', 'a.b-c.d', 'A9', 'a-b']) expect(parseHostname(h)).toBe(h);
    for (const h of ['a-', 'a.-b', 'a..b', 'a.', '.a', 'a.b_']) expect(message(() => parseHostname(h)), h).toBe(`invalid hostname format: ${h}`);
  });

  it('signals: 1–64 by number, names with or without SIG, in any case', () => {
    expect(parseSignal('1')).toBe(1);
    expect(parseSignal('64')).toBe(64);
    expect(parseSignal('SigHup')).toBe(1);
    expect(parseSignal('SYS')).toBe(31);
    for (const s of ['0', '65', 'HUPSIG', 'XSIGHUP', 'SIG', '']) expect(message(() => parseSignal(s)), s).toBe(`Error response from daemon: Invalid signal: ${s}`);
  });

  it('non-negative integers: up to 2^53-1; no sign, no fraction, nothing around the digits', () => {
    expect(parseNonNegInt('0', 'tail')).toBe(0);
    expect(parseNonNegInt('12', 'tail')).toBe(12);
    expect(parseNonNegInt('9007199254740991', 'tail')).toBe(9007199254740991);
    for (const v of ['', '-1', '1.5', '9007199254740992', 'a1', '1a', '1 ']) expect(message(() => parseNonNegInt(v, 'tail')), v).toBe(`invalid tail: ${JSON.stringify(v)}`);
  });

  it('commandLine: entrypoint then cmd, either may be null', () => {
    expect(commandLine(['a'], ['b'])).toEqual(['a', 'b']);
    expect(commandLine(null, ['b'])).toEqual(['b']);
    expect(commandLine(['a'], null)).toEqual(['a']);
    expect(commandLine(null, null)).toEqual([]);
  });
});

afterEach(() => vi.restoreAllMocks());

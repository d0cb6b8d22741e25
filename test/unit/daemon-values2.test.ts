// The pure rules behind cli-daemon-values2.test.ts (issue 13): how a refusal is printed, which
// numbers kill takes and the daemon then refuses, docker/cli's own -v checks, Docker's image
// reference in a "No such image" line.
import { describe, expect, it } from 'vitest';
import { BareError, DaemonError, errorLine, RunCheckError, UserError } from '../../src/errors.js';
import { checkModeKinds, checkVolumeSpec, linuxSignal, parseKillSignal, parseSignal } from '../../src/engine/container/options.js';
import { withLatest } from '../../src/engine/image/reference.js';
import { message } from '../helpers/thrown.js';

describe('errorLine: docker 28 prints an error as it is, except run', () => {
  it("Docker's words go out bare outside run; minidock's own keep the program name", () => {
    const daemon = new DaemonError('No such container: x', 1);
    expect(errorLine(daemon, 'logs')).toBe('Error response from daemon: No such container: x');
    expect(errorLine(daemon, 'create')).toBe('Error response from daemon: No such container: x');
    expect(errorLine(daemon, 'run')).toBe('minidock: Error response from daemon: No such container: x');
    expect(errorLine(new UserError('Error response from daemon: No such container: x', 1), 'stop')).toBe('Error response from daemon: No such container: x');
    expect(errorLine(new UserError('Error: failed to rename container named a', 1), 'rename')).toBe('Error: failed to rename container named a');
    expect(errorLine(new BareError('unknown type: "x"', 1), 'inspect')).toBe('unknown type: "x"');
    expect(errorLine(new UserError('invalid --cpu-shares 1: must be between 2 and 262144'), 'update')).toBe('minidock: invalid --cpu-shares 1: must be between 2 and 262144');
    // a word that only starts like Docker's is minidock's own
    expect(errorLine(new UserError('Errors: two', 1), 'ps')).toBe('minidock: Errors: two');
  });
});

describe('kill -s: what moby parses, and what its Linux map has', () => {
  it('any non-zero Go int parses; names as parseSignal, the real-time ones too', () => {
    for (const [s, n] of [['99', 99], ['-1', -1], ['+5', 5], ['32', 32], ['9223372036854775807', 2 ** 63 - 1]] as const) expect(parseKillSignal(s), s).toBe(n);
    for (const [s, n] of [['RTMIN', 34], ['SIGRTMIN+3', 37], ['rtmax-1', 63], ['RTMAX', 64], ['RTMIN+15', 49], ['RTMAX-14', 50]] as const) expect(parseKillSignal(s), s).toBe(n);
    for (const s of ['0', '-0', '9223372036854775808', '99999999999999999999', 'RTMIN+16', 'RTMAX-15', 'NOSUCH']) expect(parseKillSignal(s), s).toBeUndefined(); // moby/sys/signal refuses it
  });

  it('1–31 and 34–64 are signals; 32, 33, 65 and up, and negatives are not', () => {
    const valid = Array.from({ length: 70 }, (_, i) => i - 2).filter(linuxSignal);
    expect(valid).toEqual([...Array.from({ length: 31 }, (_, i) => i + 1), ...Array.from({ length: 31 }, (_, i) => i + 34)]);
  });

  it('elsewhere (stop -s, --stop-signal) the range stays 1–64, a leading + taken', () => {
    expect(parseSignal('+9')).toBe(9);
    expect(message(() => parseSignal('65'))).toBe('Error response from daemon: Invalid signal: 65');
  });
});

describe("-v: docker/cli's checks before the daemon's, and moby's mode kinds", () => {
  it('an empty value, and an empty section between colons past two characters', () => {
    expect(message(() => checkVolumeSpec(''))).toBe('invalid empty volume spec');
    for (const s of [':/x', '/x:', '/x::ro', ':::', 'a::b', ':ab']) expect(message(() => checkVolumeSpec(s)), s).toBe(`invalid spec: ${s}: empty section between colons`);
    for (const s of [':', '::', ':a', 'a:', '/x', '/a:/b', 'a:b:c:d:e', 'v:/x:ro']) expect(() => checkVolumeSpec(s), s).not.toThrow();
    expect(() => checkVolumeSpec('')).toThrow(RunCheckError);
  });

  it('at most one word of each kind', () => {
    for (const m of ['ro', 'rw,z', 'ro,Z,rprivate,nocopy,cached', 'nosuch']) expect(() => checkModeKinds(m), m).not.toThrow();
    for (const m of ['ro,rw', 'rw,rw', 'z,Z', 'private,rshared', 'nocopy,nocopy', 'cached,delegated']) expect(message(() => checkModeKinds(m)), m).toBe(`Error response from daemon: invalid mode: ${m}`);
  });
});

describe('withLatest: the reference a "No such image" line names', () => {
  it('a name without tag or digest gets :latest; a tag, a digest, an id stay', () => {
    expect(withLatest('nosuch')).toBe('nosuch:latest');
    expect(withLatest('reg:5000/a/b')).toBe('reg:5000/a/b:latest');
    for (const r of ['nosuch:1', 'reg:5000/a:b', `a@sha256:${'0'.repeat(64)}`, 'f'.repeat(64), `sha256:${'f'.repeat(64)}`, 'sha256:abc']) expect(withLatest(r), r).toBe(r);
  });
});

// The shim's config encoding (src/runtime/shim.ts): NUL-separated key=value records, a list a
// record of TAB-separated fields. Whatever a user or an image wrote, it cannot end a record or a
// field early: control characters are refused in every field but free text (env, arg, exitcmd),
// where only NUL (the record separator) is.
import { describe, expect, it } from 'vitest';
import { encodeShimConfig } from '../../src/runtime/shim.js';
import { UserError } from '../../src/errors.js';

const refused = (f: () => unknown, msg: RegExp) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).toMatch(msg);
  expect((err as Error).message).not.toMatch(/[\x00-\x1f]/);
};

describe('encodeShimConfig', () => {
  it('lists are TAB-separated fields of one record; flags and numbers as before', () => {
    expect(encodeShimConfig([['bind', ['/a', '/b', 'ro']], ['tmpfs', ['/t']], ['tmpfs', ['/u', 'size=1m']], ['uid', 0], ['tty', true], ['stdin', false], ['netns', undefined]])).toBe(
      'bind=/a\t/b\tro\0tmpfs=/t\0tmpfs=/u\tsize=1m\0uid=0\0tty=1\0',
    );
  });

  it('a TAB, newline or other control character in a path field is refused, never passed on', () => {
    refused(() => encodeShimConfig([['tmpfs', ['/x\tsize=1g']]]), /^invalid tmpfs "\/x\\tsize=1g": control characters/);
    refused(() => encodeShimConfig([['bind', ['/a', '/b\nro', 'rw']]]), /^invalid bind "\/b\\nro"/);
    refused(() => encodeShimConfig([['cwd', '/w\x01']]), /^invalid cwd/);
    refused(() => encodeShimConfig([['hostname', 'h\0cwd=/etc']]), /^invalid hostname/);
    // a single string for a list key cannot smuggle fields in either
    refused(() => encodeShimConfig([['tmpfs', '/x\tsize=1g']]), /^invalid tmpfs/);
  });

  it('free text (env, arg, exitcmd) keeps TABs and newlines; only NUL is refused', () => {
    expect(encodeShimConfig([['env', 'A=x\ty\nz'], ['arg', 'line1\nline2']])).toBe('env=A=x\ty\nz\0arg=line1\nline2\0');
    refused(() => encodeShimConfig([['env', 'A=1\0uid=0']]), /^invalid env "A=1\\u0000uid=0": it contains a NUL byte$/);
  });
});

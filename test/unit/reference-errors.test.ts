// referenceError (issue 13): distribution/reference's ParseNormalizedNamed words for what the
// docker client refuses in `tag` and `commit` (the CLI cases are recorded against Docker in
// parity-left5.test.ts); here the domain split's corners, as moby's splitDockerDomain makes them.
import { describe, expect, it } from 'vitest';
import { referenceError } from '../../src/engine/image/reference.js';

describe('referenceError', () => {
  it('valid references: none', () => {
    for (const r of ['busybox', 'busybox:1.36', 'a/b/c:t', 'localhost:5000/x/y:T', 'Foo.com/x', `x@sha256:${'a'.repeat(64)}`, 'index.docker.io/x']) expect(referenceError(r), r).toBeUndefined();
  });

  it('the lower-case check names the path after the domain split (library/ on docker.io)', () => {
    expect(referenceError('UPPER')).toBe('invalid reference format: repository name (library/UPPER) must be lowercase');
    expect(referenceError('index.docker.io/UPPER')).toBe('invalid reference format: repository name (library/UPPER) must be lowercase');
    expect(referenceError('localhost:5000/X:t')).toBe('invalid reference format: repository name (X) must be lowercase');
    expect(referenceError('a/B:C:D')).toBe('invalid reference format: repository name (a/B) must be lowercase');
  });

  it("Parse's and go-digest's errors", () => {
    expect(referenceError('a:')).toBe('invalid reference format');
    expect(referenceError('')).toBe('invalid reference format');
    expect(referenceError('a'.repeat(64))).toBe(`invalid repository name (${'a'.repeat(64)}), cannot specify 64-byte hexadecimal strings`);
    expect(referenceError(`x@sha512:${'a'.repeat(64)}`)).toBe('invalid checksum digest length');
    expect(referenceError(`x@sha256:${'A'.repeat(64)}`)).toBe('invalid checksum digest format');
    expect(referenceError(`x@md5:${'a'.repeat(32)}`)).toBe('unsupported digest algorithm');
    expect(referenceError('a'.repeat(256))).toBe('repository name must not be more than 255 characters');
  });
});

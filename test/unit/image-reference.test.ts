import { describe, it, expect } from 'vitest';
import { normalizeRef } from '../../src/engine/image/reference.js';
import { UserError } from '../../src/errors.js';

const HEX64 = 'a'.repeat(64);
const D = `sha256:${HEX64}`;

// [input, registry, repository, tag, digest, display, key]
const valid: [string, string, string, string | undefined, string | undefined, string, string][] = [
  ['busybox', 'docker.io', 'library/busybox', 'latest', undefined, 'busybox:latest', 'docker.io/library/busybox:latest'],
  ['busybox:1.36', 'docker.io', 'library/busybox', '1.36', undefined, 'busybox:1.36', 'docker.io/library/busybox:1.36'],
  ['busybox:Latest', 'docker.io', 'library/busybox', 'Latest', undefined, 'busybox:Latest', 'docker.io/library/busybox:Latest'],
  ['library/busybox', 'docker.io', 'library/busybox', 'latest', undefined, 'busybox:latest', 'docker.io/library/busybox:latest'],
  ['docker.io/busybox', 'docker.io', 'library/busybox', 'latest', undefined, 'busybox:latest', 'docker.io/library/busybox:latest'],
  ['docker.io/library/busybox:latest', 'docker.io', 'library/busybox', 'latest', undefined, 'busybox:latest', 'docker.io/library/busybox:latest'],
  ['index.docker.io/library/busybox', 'docker.io', 'library/busybox', 'latest', undefined, 'busybox:latest', 'docker.io/library/busybox:latest'],
  ['user/app', 'docker.io', 'user/app', 'latest', undefined, 'user/app:latest', 'docker.io/user/app:latest'],
  ['library/a/b', 'docker.io', 'library/a/b', 'latest', undefined, 'library/a/b:latest', 'docker.io/library/a/b:latest'],
  ['localhost/app', 'localhost', 'app', 'latest', undefined, 'localhost/app:latest', 'localhost/app:latest'],
  ['localhost:5000/x/y:t', 'localhost:5000', 'x/y', 't', undefined, 'localhost:5000/x/y:t', 'localhost:5000/x/y:t'],
  ['127.0.0.1:5000/foo', '127.0.0.1:5000', 'foo', 'latest', undefined, '127.0.0.1:5000/foo:latest', '127.0.0.1:5000/foo:latest'],
  ['[::1]:5000/foo:bar', '[::1]:5000', 'foo', 'bar', undefined, '[::1]:5000/foo:bar', '[::1]:5000/foo:bar'],
  ['registry.example.com/a/b/c:v1.2.3', 'registry.example.com', 'a/b/c', 'v1.2.3', undefined, 'registry.example.com/a/b/c:v1.2.3', 'registry.example.com/a/b/c:v1.2.3'],
  ['my-registry.local:443/ns/img', 'my-registry.local:443', 'ns/img', 'latest', undefined, 'my-registry.local:443/ns/img:latest', 'my-registry.local:443/ns/img:latest'],
  ['Foo/bar', 'Foo', 'bar', 'latest', undefined, 'Foo/bar:latest', 'Foo/bar:latest'],
  ['a.b_c__d-e---f', 'docker.io', 'library/a.b_c__d-e---f', 'latest', undefined, 'a.b_c__d-e---f:latest', 'docker.io/library/a.b_c__d-e---f:latest'],
  ['abc123', 'docker.io', 'library/abc123', 'latest', undefined, 'abc123:latest', 'docker.io/library/abc123:latest'],
  [`busybox:${'t'.repeat(128)}`, 'docker.io', 'library/busybox', 't'.repeat(128), undefined, `busybox:${'t'.repeat(128)}`, `docker.io/library/busybox:${'t'.repeat(128)}`],
  [`busybox@${D}`, 'docker.io', 'library/busybox', undefined, D, `busybox@${D}`, `docker.io/library/busybox@${D}`],
  [`busybox:1@${D}`, 'docker.io', 'library/busybox', '1', D, `busybox:1@${D}`, `docker.io/library/busybox@${D}`],
  [`localhost:5000/x@${D}`, 'localhost:5000', 'x', undefined, D, `localhost:5000/x@${D}`, `localhost:5000/x@${D}`],
  // the longest name: 255 characters with the registry (localhost/ + 245)
  ['a'.repeat(237), 'docker.io', `library/${'a'.repeat(237)}`, 'latest', undefined, `${'a'.repeat(237)}:latest`, `docker.io/library/${'a'.repeat(237)}:latest`],
  [`localhost/${'a'.repeat(245)}`, 'localhost', 'a'.repeat(245), 'latest', undefined, `localhost/${'a'.repeat(245)}:latest`, `localhost/${'a'.repeat(245)}:latest`],
  [`busybox@sha512:${'b'.repeat(128)}`, 'docker.io', 'library/busybox', undefined, `sha512:${'b'.repeat(128)}`, `busybox@sha512:${'b'.repeat(128)}`, `docker.io/library/busybox@sha512:${'b'.repeat(128)}`],
  [`busybox@sha384:${'c'.repeat(96)}`, 'docker.io', 'library/busybox', undefined, `sha384:${'c'.repeat(96)}`, `busybox@sha384:${'c'.repeat(96)}`, `docker.io/library/busybox@sha384:${'c'.repeat(96)}`],
];

// [input, the reason in the message ('' = Docker's bare "invalid reference format": the
// grammar matches nothing)]. Every message is checked in full, so a reference refused for
// another reason than the one named (or by another rule) fails.
const NO_COMPONENT = 'repository name must have at least one component';
const LOWER = 'repository name must be lowercase';
const invalid: [string, string][] = [
  ['', NO_COMPONENT],
  ['/busybox', NO_COMPONENT],
  ['Foo', LOWER],
  ['BUSYBOX:latest', LOWER],
  ['docker.io/Foo', LOWER],
  ['busybox:', ''],
  [':tag', ''],
  ['busybox::tag', ''],
  ['a//b', ''],
  ['busybox/', ''],
  ['-busybox', ''],
  ['busybox-', ''],
  ['a..b', ''],
  ['a___b', ''],
  ['busybox:-tag', ''],
  ['busybox:.tag', ''],
  [`busybox:${'t'.repeat(129)}`, ''], // 128 is the longest tag (valid above)
  ['busybox@sha256:abc', ''], // under 32 hex digits: not a digest at all
  [`busybox@sha256:${'a'.repeat(63)}`, 'invalid sha256 digest'],
  [`busybox@sha256:${'a'.repeat(65)}`, 'invalid sha256 digest'],
  [`busybox@sha512:${'a'.repeat(127)}`, 'invalid sha512 digest'],
  [`busybox@sha512:${'a'.repeat(129)}`, 'invalid sha512 digest'],
  [`busybox@md5:${'a'.repeat(32)}`, 'unsupported digest algorithm md5'],
  [`busybox@sha256:${'A'.repeat(64)}`, 'invalid sha256 digest'],
  [HEX64, 'cannot use a 64-character hexadecimal string as a repository name'],
  ['a b', ''],
  ['busybox@', ''],
  ['localhost:port/x', 'invalid registry name "localhost:port"'],
  ['-bad.com/x', 'invalid registry name "-bad.com"'],
  ['bad-.com/x', 'invalid registry name "bad-.com"'],
  [`${'a'.repeat(250)}/${'b'.repeat(10)}`, 'repository name must not be more than 255 characters'],
  [`localhost/${'a'.repeat(246)}`, 'repository name must not be more than 255 characters'], // 256 (255 is valid above)
  [`${'a'.repeat(238)}`, 'repository name must not be more than 255 characters'], // docker.io/library/ counts: 18 + 238 = 256
  ['busybox:tag:tag', ''],
  ['busy$box', ''],
  ['busybox\n', ''],
];

describe('normalizeRef', () => {
  it.each(valid)('parses %s', (input, registry, repository, tag, digest, display, key) => {
    const r = normalizeRef(input);
    expect(r.registry).toBe(registry);
    expect(r.repository).toBe(repository);
    expect(r.tag).toBe(tag);
    expect(r.digest).toBe(digest);
    expect(r.display).toBe(display);
    expect(r.key).toBe(key);
    expect(r.name).toBe(`${registry}/${repository}`);
    // The key and the display form parse back to the same reference.
    expect(normalizeRef(r.key).key).toBe(key);
    expect(normalizeRef(r.display).key).toBe(key);
  });

  it.each(invalid)('rejects %j: %s', (input, why) => {
    let err: unknown;
    try {
      normalizeRef(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    const e = err as UserError;
    expect(e.exitCode).toBe(125);
    expect(e.message).toBe(`invalid reference format: ${JSON.stringify(input)}${why ? ` (${why})` : ''}`);
    expect(e.message.split('\n')).toHaveLength(1);
  });
});

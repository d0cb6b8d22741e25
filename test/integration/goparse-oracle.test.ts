// src/goparse.ts against Go itself (issue 13): strconv.ParseBool, strconv.ParseInt(s, 0, 64),
// time.ParseDuration and docker/cli's ParseCPUs (math/big), run by a small oracle
// (test/helpers/oracles/goflags.go, standard library only, built with Debian's golang-go in a
// temporary GOCACHE) on the same inputs: the value or the error's words must be Go's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goParseBool, goParseDuration, goParseInt, goParseNanoCpus } from '../../src/goparse.js';

const SRC = fileURLToPath(new URL('../helpers/oracles/goflags.go', import.meta.url));

const INPUTS: Record<string, string[]> = {
  bool: ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False', '', 'yes', 'tRUE', ' true', '2', 'on'],
  int: ['0', '1', '-1', '+5', '010', '08', '0x10', '0X1f', '0o17', '0O7', '0b101', '0B2', '1_000', '0x_1f', '1__0', '_1', '1_', '0_7', '9223372036854775807',
    '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '', '-', '+', ' 1', '1 ', '1.5', '1e3', 'abc', '0x', '00', '-0', '0b', '٣'],
  duration: ['0', '-0', '+0', '1s', '1.5h', '1h30m', '.5s', '5.s', '1ms', '1us', '1µs', '1μs', '1ns', '10', '', '-', '.', '.s', '1y', '1d', '1m30', 's',
    '-1.5m', '1h-1m', '1.2.3s', '9999999999h', '2562047h', '2562048h', 'abc', '1 s', '1S', '1.0000000001s', '0.5ns',
    '9223372036854775807ns', '9223372036854775808ns', '-9223372036854775808ns', '2562047h47m16.854775807s', '1.999999999s', '0.3333333333h', '1h1h', '+-1s'],
  cpus: ['1', '1.5', '.5', '1.', '0', '-1', '3/2', '1/3', '1/0', '-3/2', '1e-1', '1E2', '1e-10', '1.0000000001', '0.000000001', '', '.', 'abc', '1e', '1/',
    '/2', '+1.5', '1_000', '0x10', '2/4', '1.5e0', '0x10/2', '1/-2', '-1/2', '1/0x2', '0b11', '010', '1e9999999'],
};

let dir: string;
let oracle: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mdtest-goparse-'));
  if (!existsSync('/usr/bin/go')) {
    const r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'golang-go'], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, timeout: 600_000 });
    if (r.status !== 0) throw new Error(`apt-get install golang-go: ${r.stderr}`);
  }
  oracle = join(dir, 'goflags');
  const env = { ...process.env, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath'), GOFLAGS: '', GO111MODULE: 'off', GOTOOLCHAIN: 'local' };
  const b = spawnSync('/usr/bin/go', ['build', '-o', oracle, SRC], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
  if (b.status !== 0) throw new Error(`go build: ${b.stderr}`);
}, 600_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const OURS: Record<string, (s: string) => string> = {
  bool: (s) => String(goParseBool(s)),
  int: (s) => String(goParseInt(s)),
  duration: (s) => String(goParseDuration(s)),
  cpus: (s) => String(goParseNanoCpus(s)),
};

describe("Go's flag parsers, as Go says them", () => {
  it.each(Object.keys(INPUTS))('%s', (kind) => {
    const input = INPUTS[kind].map((v) => JSON.stringify([kind, v])).join('\n') + '\n';
    const r = spawnSync(oracle, [], { input, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const go = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ok?: string; err?: string });
    // a duration is a JS number of nanoseconds: exact up to 2^53 (~104 days), as close as a double past it
    if (kind === 'duration') for (const g of go) if (g.ok !== undefined) g.ok = String(Number(g.ok));
    const ours = INPUTS[kind].map((v) => {
      try {
        return { ok: OURS[kind](v) };
      } catch (e) {
        return { err: (e as Error).message };
      }
    });
    expect(Object.fromEntries(INPUTS[kind].map((v, i) => [v, ours[i]]))).toEqual(Object.fromEntries(INPUTS[kind].map((v, i) => [v, go[i]])));
  });
});

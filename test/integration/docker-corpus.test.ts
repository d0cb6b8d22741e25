// The differential corpus (issue 13): the everyday commands of docker-corpus.cases.ts run against
// minidock and compared, after masking ids, times and sizes, with what Docker printed for the
// same commands (docker-corpus.recorded.json). Docker is not needed here: its side was recorded
// with `scripts/record-docker-corpus.sh` (MINIDOCK_RECORD_DOCKER=1: this same file then runs the
// corpus against a throwaway dockerd of its own — Debian's docker.io, docker CLI 28 — and
// rewrites the recording). What differs on purpose is said per case (`differs`).
//
// Masking (normalize): 64- and 12-hex ids, `sha256:` digests, times ("3 seconds ago", "Up 2
// seconds", RFC 3339), sizes, runs of spaces (table columns are padded to the masked values'
// widths), and the program's own name where it names itself (`minidock:`/`docker:` before an
// error, `docker` in usage lines), and the hints that only point at help (`See 'docker run
// --help'.`, `Run 'docker run --help' for more information`, which minidock does not print).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Minidock, type Result } from '../helpers/cli.js';
import { dockerRunner, expectCasesRecorded, normalize } from '../helpers/docker-side.js';
import { CASES, type Field } from './docker-corpus.cases.js';

const RECORDED = fileURLToPath(new URL('./docker-corpus.recorded.json', import.meta.url));
const RECORD = process.env.MINIDOCK_RECORD_DOCKER === '1';

type Outcome = Record<Field, string | number>;
interface Recording {
  docker: { client: string; server: string };
  recorded: string;
  cases: Record<string, Outcome>;
}

function outcome(r: Result): Outcome {
  return { code: r.code, stdout: normalize(r.stdout), stderr: normalize(r.stderr) };
}

/** The recording keeps what Docker printed as it was: masking can change without recording again. */
function masked(o: Outcome): Outcome {
  return { code: o.code, stdout: normalize(String(o.stdout)), stderr: normalize(String(o.stderr)) };
}

describe('differential corpus: everyday commands as Docker prints them', () => {
  let md: Minidock;
  let docker: Awaited<ReturnType<typeof dockerRunner>> | undefined;
  let run: (args: string[], input?: string) => Result;
  const got: Record<string, Outcome> = {};
  const recorded: Recording | undefined = RECORD ? undefined : JSON.parse(readFileSync(RECORDED, 'utf8'));

  beforeAll(async () => {
    md = new Minidock();
    if (RECORD) {
      docker = await dockerRunner(md.hostNs);
      run = docker.run;
    } else {
      run = (args, input) => md.run(args, { input });
    }
  }, 300_000);

  afterAll(async () => {
    if (RECORD && docker) {
      for (const n of ['dc-a', 'dc-b', 'dc-c', 'dc-s', 'dc-k', 'dc-web']) docker.run(['rm', '-f', n]);
      const rec: Recording = { docker: docker.version, recorded: new Date().toISOString().slice(0, 10), cases: got };
      if (Object.keys(got).length === CASES.length) writeFileSync(RECORDED, JSON.stringify(rec, null, 2) + '\n');
      await docker.stop();
    }
    // MINIDOCK_CORPUS_DUMP=FILE: both sides as compared, for a person reading a difference
    if (process.env.MINIDOCK_CORPUS_DUMP && recorded) {
      const both = Object.fromEntries(CASES.map((c) => [c.name, { minidock: got[c.name], docker: masked(recorded.cases[c.name]) }]));
      writeFileSync(process.env.MINIDOCK_CORPUS_DUMP, JSON.stringify(both, null, 2) + '\n');
    }
    md.cleanup();
  }, 300_000);

  it('every case is recorded and named once', () => expectCasesRecorded(CASES.map((c) => c.name), recorded));

  for (const c of CASES) {
    it(c.name, () => {
      for (const b of c.before ?? []) run(b);
      const r = run(c.cmd, c.input);
      if (RECORD) {
        got[c.name] = { code: r.code, stdout: r.stdout, stderr: r.stderr };
        return;
      }
      const o = outcome(r);
      const want = masked(recorded!.cases[c.name]);
      got[c.name] = o;
      const same = (['code', 'stdout', 'stderr'] as Field[]).filter((f) => !c.differs?.fields.includes(f));
      expect(Object.fromEntries(same.map((f) => [f, o[f]]))).toEqual(Object.fromEntries(same.map((f) => [f, want[f]])));
      // what differs on purpose must still differ (else the note is stale)
      for (const f of c.differs?.fields ?? []) expect(o[f], `${c.name}: ${f} is now Docker's: drop it from differs`).not.toEqual(want[f]);
    });
  }
});

// --dry-run: the plan — exactly what --explain would print — without changing anything.
//
// Rather than a second copy of the setup logic (which would drift from the real one), the real
// code runs, with its two kinds of effects turned away:
//   - host changes: every one goes through applyPlan (src/host/plan.ts), which only explains
//     while `dryRun.active` is set; the embedded DNS resolver is only asked, never started,
//     told or stopped (dns.ts);
//   - minidock's own state (IPAM allocations, held ports, endpoint and network records, locks):
//     MINIDOCK_ROOT points at a throwaway copy for the duration, so IPAM answers "what would you
//     give" from the real allocations and nothing is persisted. The copy holds only what a plan
//     reads: networks/ and the small files of the containers named, and only regular files —
//     never a socket or a FIFO (the DNS resolver's control socket lives in networks/dns/).
// Reading the kernel (ip -j, iptables-save, a brief bind() to check a host port) stays real, so
// the plan is the one a real run would apply now. Nothing is created in the real state root,
// not even its directory: a dry run in a fresh root leaves it as it was.
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dryRun } from '../../host/plan.js';
import { paths, stateRoot } from '../../state/paths.js';

/** The files of a container a plan reads: its record, whether it runs, its resolv.conf. */
const CONTAINER_FILES = ['container.json', 'pid', 'exit', 'removing', 'resolv.conf'];

let depth = 0;
let realRoot: string | undefined;

/** The real state root while a dry run has MINIDOCK_ROOT pointed at its sandbox. */
export function realStateRoot(): string {
  return realRoot ?? stateRoot();
}

/** Copies the directories and regular files under src (nothing else: no socket, FIFO, link). */
function copyRegular(src: string, dst: string): void {
  let st;
  try {
    st = lstatSync(src);
  } catch {
    return; // not there (a fresh root): nothing to copy
  }
  if (st.isFile()) {
    copyFileSync(src, dst);
    return;
  }
  if (!st.isDirectory()) return;
  mkdirSync(dst, { recursive: true });
  for (const name of readdirSync(src)) copyRegular(join(src, name), join(dst, name));
}

/**
 * Runs fn with host changes explained instead of applied and minidock's state sandboxed.
 * `containers`: ids of the containers whose records the plan reads (network connect…).
 */
export async function withDryRun<T>(fn: () => Promise<T>, opts: { containers?: string[] } = {}): Promise<T> {
  if (depth > 0) return fn();
  const sandbox = mkdtempSync(join(tmpdir(), 'minidock-dryrun-'));
  const saved = process.env.MINIDOCK_ROOT;
  try {
    copyRegular(paths.networks(), join(sandbox, 'networks'));
    for (const id of opts.containers ?? []) {
      mkdirSync(join(sandbox, 'containers', id), { recursive: true });
      for (const f of CONTAINER_FILES) copyRegular(join(paths.container(id), f), join(sandbox, 'containers', id, f));
    }
    realRoot = stateRoot();
    depth++;
    process.env.MINIDOCK_ROOT = sandbox;
    dryRun.active = true;
    try {
      return await fn();
    } finally {
      dryRun.active = false;
      depth--;
      realRoot = undefined;
      if (saved === undefined) delete process.env.MINIDOCK_ROOT;
      else process.env.MINIDOCK_ROOT = saved;
    }
  } finally {
    rmSync(sandbox, { recursive: true, force: true });
  }
}

// --dry-run: the plan — exactly what --explain would print — without changing anything.
//
// Rather than a second copy of the setup logic (which would drift from the real one), the real
// code runs, with its two kinds of effects turned away:
//   - host changes: every one goes through applyPlan (src/host/plan.ts), which only explains
//     while `dryRun.active` is set;
//   - minidock's own state (IPAM allocations, held ports, endpoint and network records, locks):
//     MINIDOCK_ROOT points at a throwaway copy of networks/ for the duration, so IPAM answers
//     "what would you give" from the real allocations and nothing is persisted.
// Reading the kernel (ip -j, iptables-save, a brief bind() to check a host port) stays real, so
// the plan is the one a real run would apply now.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dryRun } from '../../host/plan.js';
import { paths } from '../../state/paths.js';

let depth = 0;

/** Runs fn with host changes explained instead of applied and minidock's state sandboxed. */
export async function withDryRun<T>(fn: () => Promise<T>): Promise<T> {
  if (depth > 0) return fn();
  const sandbox = mkdtempSync(join(tmpdir(), 'minidock-dryrun-'));
  if (existsSync(paths.networks())) cpSync(paths.networks(), join(sandbox, 'networks'), { recursive: true });
  const saved = process.env.MINIDOCK_ROOT;
  depth++;
  process.env.MINIDOCK_ROOT = sandbox;
  dryRun.active = true;
  try {
    return await fn();
  } finally {
    dryRun.active = false;
    depth--;
    if (saved === undefined) delete process.env.MINIDOCK_ROOT;
    else process.env.MINIDOCK_ROOT = saved;
    rmSync(sandbox, { recursive: true, force: true });
  }
}

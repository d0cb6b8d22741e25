// The filters of `container prune` and `image prune` (and their API endpoints), as moby's
// daemon reads them (daemon/prune.go, daemon/images/image_prune.go): only the accepted keys,
// `until` once (a timestamp or a duration before now; what has no creation time never
// passes), `label=k` / `label=k=v` all required, `label!=…` refusing what matches all of
// them (filters.MatchKVList), and for images `dangling=true|false`.
import { DaemonError, UserError } from '../errors.js';

const daemon = (m: string) => new DaemonError(m, 1);

export interface PruneFilters {
  /** dangling=…: undefined when not given */
  dangling?: boolean;
  /** whether a candidate created then (ms since the epoch; undefined: unknown) with these labels passes until, label and label! */
  matches(createdMs: number | undefined, labels: Record<string, string> | null | undefined): boolean;
}

/** moby's MatchKVList: every `k` / `k=v` of the filter found in labels (no such filter: true). */
function matchKVList(wanted: string[], labels: Record<string, string>): boolean {
  if (!wanted.length) return true;
  if (!Object.keys(labels).length) return false;
  return wanted.every((w) => {
    const eq = w.indexOf('=');
    const k = eq < 0 ? w : w.slice(0, eq);
    return Object.hasOwn(labels, k) && (eq < 0 || labels[k] === w.slice(eq + 1));
  });
}

/** `specs`: the CLI's `name=value` / `name!=value` flags. Checked whole before anything is pruned. */
export async function parsePruneFilters(specs: string[], accepted: readonly string[]): Promise<PruneFilters> {
  const byKey = new Map<string, string[]>();
  for (const f of specs) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new UserError(`bad format of filter (expected name=value)`, 1);
    const key = f.slice(0, eq); // `label!` stays its own key, as moby's
    if (!accepted.includes(key)) throw daemon(`invalid filter '${key}'`);
    byKey.set(key, [...(byKey.get(key) ?? []), f.slice(eq + 1)]);
  }
  let dangling: boolean | undefined;
  const d = byKey.get('dangling');
  if (d) {
    // GetBoolOrDefault: true or false, not both, not anything else
    const isTrue = d.some((v) => v === 'true' || v === '1');
    const isFalse = d.some((v) => v === 'false' || v === '0');
    if (isTrue === isFalse || d.some((v) => !['true', '1', 'false', '0'].includes(v))) throw daemon(`invalid filter 'dangling=${[...d].sort().join(',')}'`); // (moby's order: a Go map's)
    dangling = isTrue;
  }
  let untilNs: bigint | undefined;
  const until = byKey.get('until');
  if (until) {
    if (until.length > 1) throw daemon('more than one until filter specified');
    const { parseTimestamp } = await import('./container/logtime.js');
    try {
      untilNs = parseTimestamp(until[0]!, 'until');
    } catch (e) {
      // the daemon's words (getUntilFromPruneFilters), the parser's reason
      throw daemon(`invalid value for 'until' filter: ${(e as Error).message.replace(/^invalid value for "until": /, '')}`);
    }
  }
  const labels = byKey.get('label') ?? [];
  const notLabels = byKey.get('label!');
  return {
    dangling,
    matches(createdMs, have) {
      if (untilNs !== undefined && (createdMs === undefined || Number.isNaN(createdMs) || BigInt(Math.floor(createdMs)) * 1_000_000n > untilNs)) return false;
      const l = have ?? {};
      return matchKVList(labels, l) && !(notLabels && matchKVList(notLabels, l));
    },
  };
}

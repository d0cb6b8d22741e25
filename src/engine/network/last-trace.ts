// The last `network trace`, kept for the live diagram (`network diagram --serve`) to draw as a
// path: $MINIDOCK_ROOT/networks/last-trace.json. Whoever traces writes it (writeLastTrace);
// the diagram only reads it, and draws nothing for a file that is missing or not of this shape.
//
//   {
//     "version": 1,
//     "time": "2026-12-01T15:04:05.000Z",        when the probe was sent
//     "from": "host", "to": "web:80",            as the trace was asked (words, shown as given)
//     "proto": "tcp",                            tcp | udp | icmp
//     "outcome": "answered",                     answered | dropped | no answer | … (words)
//     "steps": [                                 in the order the packet went
//       { "hook": "PREROUTING", "table": "nat", "chain": "MINIDOCK-DNAT",
//         "rule": "DNAT host port 8080 → web:80", "verdict": "dnat 172.17.0.2:80",
//         "iif": "lo", "oif": "minidock0",       interfaces the packet came in by / goes out by
//         "netns": "minidock-a5c2194c28cc" },    where the hook ran: absent = the host
//       …
//     ]
//   }
//
// Only `steps[].hook` is required of a step; every other field is optional text.
import { join } from 'node:path';
import { readText, writeJsonAtomic } from '../../state/atomic.js';
import { paths } from '../../state/paths.js';

export interface TraceStep {
  /** PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING, or a word such as "routing", "bridge", "answer". */
  hook: string;
  table?: string;
  chain?: string;
  /** The rule in plain words (or as the backend prints it). */
  rule?: string;
  /** accept, drop, dnat …, continue, policy accept … */
  verdict?: string;
  /** The interface the packet came in by, at this step. */
  iif?: string;
  /** The interface it goes out by, at this step. */
  oif?: string;
  /** The network namespace the hook ran in (a container's, minidock-…); absent: the host. */
  netns?: string;
}

export interface LastTrace {
  version: 1;
  time?: string;
  from?: string;
  to?: string;
  proto?: string;
  outcome?: string;
  steps: TraceStep[];
}

export function lastTracePath(): string {
  return join(paths.networks(), 'last-trace.json');
}

const TEXT_FIELDS = ['table', 'chain', 'rule', 'verdict', 'iif', 'oif', 'netns'] as const;
const MAX_STEPS = 200;
const MAX_TEXT = 500;

/** A short text field, or undefined (a long one is cut: the page is no place for a megabyte). */
function text(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  return v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT)}…` : v;
}

/** The file's JSON as a LastTrace, or undefined when it is not one. Pure. */
export function parseLastTrace(raw: string): LastTrace | undefined {
  let j: unknown;
  try {
    j = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!j || typeof j !== 'object') return undefined;
  const o = j as Record<string, unknown>;
  if (o.version !== 1 || !Array.isArray(o.steps)) return undefined;
  const steps: TraceStep[] = [];
  for (const s of o.steps.slice(0, MAX_STEPS)) {
    if (!s || typeof s !== 'object') return undefined;
    const r = s as Record<string, unknown>;
    const hook = text(r.hook);
    if (!hook) return undefined;
    const step: TraceStep = { hook };
    for (const k of TEXT_FIELDS) {
      const v = text(r[k]);
      if (v !== undefined) step[k] = v;
    }
    steps.push(step);
  }
  const t: LastTrace = { version: 1, steps };
  for (const k of ['time', 'from', 'to', 'proto', 'outcome'] as const) {
    const v = text(o[k]);
    if (v !== undefined) t[k] = v;
  }
  return t;
}

/** The last trace of this state root, or undefined (none yet, or not readable as one). */
export function readLastTrace(): LastTrace | undefined {
  const raw = readText(lastTracePath());
  return raw === undefined ? undefined : parseLastTrace(raw);
}

/** Keeps a trace as the last one (atomically: the live page never reads half a file). */
export function writeLastTrace(t: LastTrace): void {
  writeJsonAtomic(lastTracePath(), t);
}

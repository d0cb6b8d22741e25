// Which state root owns a host object. Several roots can share one host (several users, the
// tests), and some host objects are shared by all of them: /run/netns, and — when the roots share
// a network namespace — the links and the iptables chains. So every object minidock creates says
// which root made it, and a root only ever removes or repairs what is positively its own.
//
// The root id is 12 random hex digits, made at the root's first use and kept in
// `networks/root-id` (under networks/ so that --dry-run's sandbox copy of networks/ has it too).
// It is carried in the comment of every firewall rule (`… (root <id>)`, see
// engine/network/tags.ts); container netns and veths are named after the (random) container id,
// and the root's own records (container directories, endpoint files) say which are its own.
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from './paths.js';
import { randomHex } from './random.js';

const ID_RE = /^[0-9a-f]{12}$/;
const cache = new Map<string, string>();

function idFile(): string {
  return join(paths.networks(), 'root-id');
}

function readId(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const id = text.trim();
  if (!ID_RE.test(id)) {
    // Never silently replaced: a new id would disown every object the root made.
    throw new Error(`${file} is damaged (expected 12 hex digits, found ${JSON.stringify(text.slice(0, 40))}); restore it, or remove it to start a new identity (objects made under the old one are then left alone)`);
  }
  return id;
}

/** This root's id, if it has one yet (read-only: for views, which must change nothing). */
export function rootIdIfAny(): string | undefined {
  const file = idFile();
  const hit = cache.get(file);
  if (hit) return hit;
  const id = readId(file);
  if (id) cache.set(file, id);
  return id;
}

/** This root's id, made on first use. Two processes making it at once agree (link is atomic). */
export function rootId(): string {
  const have = rootIdIfAny();
  if (have) return have;
  const file = idFile();
  mkdirSync(paths.networks(), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-0`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, randomHex(6) + '\n');
    fsyncSync(fd); // it must survive a power loss: objects in the kernel carry it
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file); // fails if another process made it first: then theirs is the one
    const dfd = openSync(paths.networks(), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(tmp);
  }
  const id = readId(file)!;
  cache.set(file, id);
  return id;
}

// The comments on minidock's firewall rules, and whose rules they are. Pure.
//
//   minidock: raw                                a hook (a jump from a built-in chain into the
//                                                prefix's chains): shared by every root that uses
//                                                the prefix, found by its built-in chain and its
//                                                target, never removed
//   minidock net <network>: <what> (root <id>)   a network's rule, made by root <id>
//   minidock <id12> <name> (root <id>)           a container's published port
//
// Rules made before roots were marked have no `(root …)`: they are a root's own only when its
// records prove it (a container of that id, a network of that name on the bridge the rule names);
// otherwise they belong to nobody we know of and are left alone.

export interface Tag {
  /** The root that made the rule (absent: made before root marks). */
  root?: string;
  /** 12 hex of the container a published-port rule belongs to. */
  container?: string;
  /** The container's name, as the tag spells it. */
  name?: string;
  /** The network a network rule belongs to. */
  net?: string;
  /** `minidock: …`: a hook, or a jump inside the prefix's own chains. */
  shared?: boolean;
}

const ROOT_MARK = / \(root ([0-9a-f]{12})\)$/;

/** `text` with the root mark, when a root is given. */
export function withRoot(text: string, root: string | undefined): string {
  return root ? `${text} (root ${root})` : text;
}

/** What a minidock comment says; undefined when it is not minidock's. */
export function parseTag(comment: string | undefined): Tag | undefined {
  if (!comment || !/^minidock[ :]/.test(comment)) return undefined;
  let body = comment;
  let root: string | undefined;
  const m = ROOT_MARK.exec(body);
  if (m) {
    root = m[1];
    body = body.slice(0, m.index);
  }
  let x: RegExpExecArray | null;
  if ((x = /^minidock ([0-9a-f]{12})(?: (\S*))?$/.exec(body))) return { root, container: x[1], name: x[2] || undefined };
  if ((x = /^minidock net (\S+): /.exec(body))) return { root, net: x[1] };
  if (/^minidock: /.test(body)) return { root, shared: true };
  return { root };
}

/** What a root knows from its own records. */
export interface OwnRecords {
  /** This root's id (undefined: it never made a marked object yet). */
  root?: string;
  /** Ids (64 hex) of this root's containers: directories and endpoint files. */
  ids: Iterable<string>;
  /** This root's networks: name → bridge. */
  nets: Map<string, string>;
}

export type Ownership = 'mine' | 'shared' | 'foreign';

function optionOf(args: string[], opt: string): string | undefined {
  const i = args.indexOf(opt);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Whose rule this is, from its tag and its arguments (as iptables-save splits them). */
export function ownershipOf(tag: Tag, args: string[], own: OwnRecords): Ownership {
  if (tag.shared) return 'shared';
  if (tag.root) return tag.root === own.root ? 'mine' : 'foreign';
  // Unmarked: made before root marks. Only this root's records can prove it is its own.
  if (tag.container) {
    for (const id of own.ids) if (id.startsWith(tag.container)) return 'mine';
    return 'foreign';
  }
  if (tag.net) {
    const br = own.nets.get(tag.net);
    return br !== undefined && (optionOf(args, '-i') === br || optionOf(args, '-o') === br) ? 'mine' : 'foreign';
  }
  return 'foreign';
}

/** A rule's identity without its comment: table, chain and the rest of its arguments. */
export function specKey(table: string, args: string[]): string {
  const a = [...args];
  const ci = a.indexOf('--comment');
  if (ci >= 2 && a[ci - 2] === '-m' && a[ci - 1] === 'comment') a.splice(ci - 2, 4);
  return `${table} ${a.join(' ')}`;
}

/** The id prefix a minidock host veth name stands for (`md<12hex>` or `md<10hex>x<n>`). */
export function vethOwnerPrefix(name: string): string | undefined {
  const m = /^md([0-9a-f]{12})$/.exec(name) ?? /^md([0-9a-f]{10})x\d+$/.exec(name);
  return m ? m[1] : undefined;
}

// The user and group names in the tar headers of `cp … -` and `export`, as Docker writes them:
// Go's archive/tar names each uid/gid (os/user, in the daemon's chroot into the container),
// so from the container's own /etc/passwd and /etc/group; an id with no entry has no name.

export type IdNames = (uid: number, gid: number) => { uname?: string; gname?: string };

/** The first name for each id in a passwd/group text (`name:x:id:…`), as os/user's lookup takes it. */
function byId(text: string | undefined): Map<number, string> {
  const m = new Map<number, string>();
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || !/^\d+$/.test(f[2]!) || f[0] === '' || line.startsWith('#')) continue;
    if (!m.has(Number(f[2]))) m.set(Number(f[2]), f[0]!);
  }
  return m;
}

/** `read` reads a file inside the container's root (undefined: absent or unreadable); read once. */
export function idNames(read: (path: string) => string | undefined): IdNames {
  let users: Map<number, string> | undefined;
  let groups: Map<number, string> | undefined;
  return (uid, gid) => {
    users ??= byId(read('/etc/passwd'));
    groups ??= byId(read('/etc/group'));
    return { uname: users.get(uid), gname: groups.get(gid) };
  };
}

// Layer import of entries that only long-name headers (pax, GNU 'L'/'K') can carry, where the
// import needs root: a whiteout is a 0/0 character device (mknod) and an opaque directory a
// trusted.* xattr. Moved from test/unit/image-tarreader.test.ts (test/unit runs as any user).
import { describe, it, expect } from 'vitest';
import { existsSync, lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildTar, type TarEntry } from '../../src/engine/image/tarwriter.js';
import { importLayer } from '../../src/engine/image/store.js';
import { useTempStore } from '../helpers/layer-store.js';
import { gnuLong, pax as paxEntry } from '../helpers/tar-cases.js';

/** A pax header (the raw-header builders are tar-cases.ts's, shared with the differential tests). */
const pax = (records: Record<string, string>): Buffer => paxEntry(Object.entries(records));

/** Entries (from buildTar, without its end blocks) plus raw pieces, then the end of archive. */
function archive(...parts: (Buffer | TarEntry)[]): Buffer {
  return Buffer.concat([...parts.map((p) => (Buffer.isBuffer(p) ? p : buildTar([p]).subarray(0, -1024))), Buffer.alloc(1024)]);
}

const file = (path: string, data = path): TarEntry => ({ path, type: 'file', mode: 0o644, mtime: 1700000000, data });

describe('long names through layer import (as root)', () => {
  useTempStore();

  it('takes long absolute paths inside the layer, skips devices, and makes whiteouts of long names', async () => {
    const deep = `${'dir/'.repeat(40)}f`;
    const info = await importLayer(
      archive(
        gnuLong('L', `/${deep}`),
        file('x', 'inside'),
        pax({ path: `${'dir/'.repeat(40)}.wh.gone` }),
        file('y', ''),
        pax({ path: `${'dir/'.repeat(39)}dir/.wh..wh..opq` }),
        file('z', ''),
        pax({ path: 'dev/sda' }),
        { path: 'blk', type: 'block', devmajor: 8, devminor: 0 },
        pax({ path: 'ln', linkpath: `/${'abs/'.repeat(40)}target` }),
        { path: 'l', type: 'symlink', linkname: 'x' },
      ),
    );
    expect(readFileSync(join(info.dir, deep), 'utf8')).toBe('inside');
    expect(lstatSync(join(info.dir, `${'dir/'.repeat(40)}gone`)).isCharacterDevice()).toBe(true);
    expect(existsSync(join(info.dir, 'dev/sda'))).toBe(false);
    expect(info.skipped).toEqual(['dev/sda (device node)']);
    expect(readlinkSync(join(info.dir, 'ln'))).toBe(`/${'abs/'.repeat(40)}target`);
    expect(statSync(join(info.dir, deep)).mtimeMs).toBe(1700000000 * 1000);
  });
});

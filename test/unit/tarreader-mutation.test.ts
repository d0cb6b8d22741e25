// The tar reader's rules one at a time (issue 18's mutation run over src/engine/image/tarreader.ts):
// archives crafted byte by byte with test/helpers/tar-cases.ts, each test pinned to one branch
// of Go's archive/tar that tarreader-go.test.ts's whole-archive readings do not tell apart —
// the exact refusal, atime, the sink's calls, chunk boundaries, the ends of number ranges.
import { describe, expect, it } from 'vitest';
import { TarFormatError, TarReader, type TarHeader } from '../../src/engine/image/tarreader.js';
import { END, archive, entry, gnuLong, header, pax, paxRecord, padded } from '../helpers/tar-cases.js';

type Ev = ['entry', TarHeader] | ['data', string] | ['end'];

/** Every sink call, in order; `want` decides what entry() answers. */
function events(tar: Buffer, step = 0, want: (h: TarHeader) => boolean = () => true): Ev[] {
  const ev: Ev[] = [];
  const r = new TarReader({
    entry(h) {
      ev.push(['entry', h]);
      return want(h);
    },
    data(c) {
      ev.push(['data', c.toString('latin1')]);
    },
    endEntry() {
      ev.push(['end']);
    },
  });
  if (step === 0) r.write(tar);
  else for (let i = 0; i < tar.length; i += step) r.write(tar.subarray(i, i + step));
  r.end();
  return ev;
}

/** The headers, whatever the chunking (checked at several steps). */
function headers(tar: Buffer): TarHeader[] {
  const first = events(tar).flatMap((e) => (e[0] === 'entry' ? [e[1]] : []));
  for (const step of [1, 7, 511, 513]) expect(events(tar, step).flatMap((e) => (e[0] === 'entry' ? [e[1]] : []))).toEqual(first);
  return first;
}

/** The refusal's message, at every chunking; it must be a TarFormatError. */
function refusal(tar: Buffer): string {
  const msgs = [0, 1, 100, 512].map((step) => {
    try {
      events(tar, step);
    } catch (e) {
      expect(e).toBeInstanceOf(TarFormatError);
      return (e as Error).message;
    }
    return null;
  });
  expect(new Set(msgs).size).toBe(1);
  return msgs[0] ?? 'accepted';
}

const oct = (n: number, width: number): string => `${n.toString(8).padStart(width - 1, '0')}\0`;
/** Re-sum a header after changing its bytes (the unsigned sum). */
function resum(h: Buffer): Buffer {
  h.fill(0x20, 148, 156);
  let u = 0;
  for (const c of h) u += c;
  h.write(`${u.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

const f1 = (extra: Parameters<typeof entry>[0] = {}, content = 'a'): Buffer => entry({ name: 'f', ...extra }, content);

describe('tar reader: each refusal says why', () => {
  it('pax records: every malformed shape is "invalid pax header"', () => {
    for (const body of [
      'nospace', // no space at all
      'x path=a\n', // length not a number
      '4 a=\n', // shorter than the shortest record (5)
      '99 path=a\n', // longer than what is left
      '2 path=a\n', // length inside its own digits
      '11 path=ab!', // not ended by a newline
      '9 pathab\n', // no '='
      '7 path\n5 a=\n', // the first record's '=' is in the next one
      '6 =ab\n', // empty key
      `${paxRecord('path', 'a\0b')}`, // NUL in a path value
      `${paxRecord('k\0ey', 'v')}`, // NUL in another key
      `${paxRecord('GNU.sparse.numbytes', '4')}`, // numbytes before an offset
      `${paxRecord('GNU.sparse.offset', '0,1')}`, // a comma in a sparse value
    ]) {
      expect(refusal(archive(pax(body), f1(), END)), JSON.stringify(body)).toBe('invalid pax header');
    }
  });

  it('pax records that Go takes: a NUL in a comment value, a key with NUL-free path value', () => {
    expect(headers(archive(pax([['comment', 'a\0b'], ['path', 'p']]), f1(), END)).map((h) => h.path)).toEqual(['p']);
    // the smallest record (5 bytes: "5 a=\n")
    expect(headers(archive(pax('5 a=\n'), f1(), END)).map((h) => h.path)).toEqual(['f']);
  });

  it('pax numbers: what, and the value, in the message', () => {
    expect(refusal(archive(pax([['gid', 'x']]), f1(), END))).toBe('invalid pax gid: "x"');
    expect(refusal(archive(pax([['size', '9223372036854775808']]), f1(), END))).toBe('pax size out of range');
    expect(refusal(archive(pax([['uid', '-9223372036854775809']]), f1(), END))).toBe('pax uid out of range');
    expect(refusal(archive(pax([['atime', '1.x']]), f1(), END))).toBe('invalid pax atime: "1.x"');
    expect(refusal(archive(pax([['ctime', 'c']]), f1(), END))).toBe('invalid pax ctime: "c"');
    expect(refusal(archive(pax([['mtime', '1.5.']]), f1(), END))).toBe('invalid pax mtime: "1.5."');
    expect(refusal(archive(pax([['size', `1${'0'.repeat(60)}`]]), f1(), END))).toBe('pax size out of range');
    expect(refusal(archive(pax([['uid', `${'7'.repeat(50)}z`]]), f1(), END))).toBe(`invalid pax uid: ${JSON.stringify(`${'7'.repeat(40)}`)}`);
  });

  it('header numbers name their field', () => {
    const bad = '0000009\0';
    expect(refusal(archive(f1({ gid: bad }), END))).toBe('invalid gid field');
    expect(refusal(archive(f1({ size: '0000000000x\0' }), END))).toBe('invalid size field');
    expect(refusal(archive(f1({ mtime: '0000000000x\0' }), END))).toBe('invalid mtime field');
    expect(refusal(archive(f1({ devmajor: bad }), END))).toBe('invalid devmajor field');
    expect(refusal(archive(f1({ devminor: bad }), END))).toBe('invalid devminor field');
    expect(refusal(archive(f1({ format: 'star', at476: '0000000000x\0' }), END))).toBe('invalid atime field');
    const starCtime = header({ name: 'f', format: 'star', size: 0 });
    starCtime.write('0000000000x\0', 488, 'latin1');
    expect(refusal(archive(resum(starCtime), END))).toBe('invalid ctime field');
    const big = Buffer.from([0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(refusal(archive(f1({ mtime: big }), END))).toBe('mtime field overflows');
    expect(refusal(archive(f1({ mtime: Buffer.from([0x80, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0]) }), END))).toBe('mtime field overflows'); // 2^63
    expect(headers(archive(f1({ mtime: Buffer.from([0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) }), END))[0]!.mtime).toBe(2 ** 63 - 1);
    expect(headers(archive(f1({ mtime: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0]) }), END))[0]!.mtime).toBe(-(2 ** 63));
    expect(refusal(archive(f1({ mtime: Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) }), END))).toBe('mtime field overflows'); // -2^63-1
  });

  it('the checksum: the first header says the format is unknown, a later one that the checksum is wrong', () => {
    expect(refusal(archive(f1({ checksum: 'wrong' }), END))).toBe('unrecognized archive format');
    expect(refusal(archive(f1(), f1({ checksum: 'wrong' }), END))).toBe('invalid tar header checksum');
    const unreadable = header({ name: 'f' });
    unreadable.write('0000x00\0', 148, 'latin1');
    expect(refusal(archive(unreadable, END))).toBe('unrecognized archive format');
    expect(refusal(Buffer.from('garbage'.repeat(100)))).toBe('unrecognized archive format');
  });

  it('sizes, sparse files, metadata and truncation', () => {
    expect(refusal(archive(f1({ size: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb]) }, ''), END))).toBe('negative size');
    expect(refusal(archive(pax([['size', '-1']]), f1({}, ''), END))).toBe('negative size');
    expect(refusal(archive(pax([['size', '9007199254740993']]), f1({}, ''), END))).toBe('entry size too large');
    expect(refusal(archive(pax([['comment', 'c'.repeat(1 << 20)]]), f1(), END))).toMatch(/^extended header of 1048\d\d\d bytes refused$/);
    expect(refusal(archive(gnuLong('L', 'l'.repeat(1 << 20)), f1(), END))).toMatch(/^extended header of 1048\d\d\d bytes refused$/);
    expect(refusal(archive(f1({ name: 'sp', type: 'S', format: 'gnu' }, ''), END))).toBe('GNU sparse file "sp" is not supported');
    expect(refusal(archive(pax([['GNU.sparse.major', '0'], ['GNU.sparse.minor', '0']]), f1({}, ''), END))).toBe('sparse file "f" (pax GNU.sparse) is not supported');
    const trunc = 'unexpected end of archive (truncated)';
    expect(refusal(entry({ name: 'f' }, 'x'.repeat(600)).subarray(0, 700))).toBe(trunc);
    expect(refusal(header({ name: 'f' }).subarray(0, 300))).toBe(trunc);
    expect(refusal(pax([['path', 'p'.repeat(300)]]).subarray(0, 700))).toBe(trunc);
    expect(refusal(Buffer.concat([Buffer.alloc(512), f1()]))).toBe('a zero block followed by a header (corrupt archive)');
  });
});

describe('tar reader: what reaches the sink', () => {
  it('content in order, at any chunking; nothing for an entry the sink does not want; endEntry only for wanted ones', () => {
    const tar = archive(f1({ name: 'a' }, 'x'.repeat(700)), f1({ name: 'skip' }, 'y'.repeat(30)), f1({ name: 'e' }, ''), f1({ name: 'b' }, 'z'), END);
    for (const step of [0, 1, 3, 511, 512, 513, 1200]) {
      const ev = events(tar, step, (h) => h.path !== 'skip');
      const shape = ev.map((e) => (e[0] === 'entry' ? `entry:${e[1].path}` : e[0]));
      const data = (from: number): string => {
        let s = '';
        for (let i = from; i < ev.length && ev[i]![0] === 'data'; i++) s += ev[i]![1] as string;
        return s;
      };
      expect(data(1)).toBe('x'.repeat(700));
      const compact = shape.filter((s, i) => !(s === 'data' && shape[i - 1] === 'data'));
      expect(compact).toEqual(['entry:a', 'data', 'end', 'entry:skip', 'entry:e', 'end', 'entry:b', 'data', 'end']);
      expect(data(shape.indexOf('entry:b') + 1)).toBe('z');
    }
  });

  it('a header split across writes is gathered, and one whole in a write is read in place', () => {
    const tar = archive(f1({ name: 'one' }, 'c'), f1({ name: 'two' }, 'd'), END);
    const r: TarHeader[] = [];
    const reader = new TarReader({ entry: (h) => (r.push(h), false), data() {}, endEntry() {} });
    reader.write(tar.subarray(0, 10));
    reader.write(tar.subarray(10, 1024 + 5)); // the rest of header 1, its content, 5 bytes of header 2
    reader.write(tar.subarray(1029));
    reader.end();
    expect(r.map((h) => h.path)).toEqual(['one', 'two']);
  });

  it('end() after the end blocks, and twice, is fine; nothing after two zero blocks is read', () => {
    const r = new TarReader({ entry: () => true, data() {}, endEntry() {} });
    r.write(archive(f1(), END, f1({ checksum: 'wrong' })));
    r.end();
    r.end();
    expect(r.sawEntry).toBe(true);
  });
});

describe('tar reader: header fields', () => {
  it('atime: from star headers, GNU headers and pax; undefined for ustar and v7', () => {
    const at = (tar: Buffer): (number | undefined)[] => headers(tar).map((h) => h.atime);
    expect(at(archive(f1({ format: 'star', at476: oct(1700000005, 12) }), END))).toEqual([1700000005]);
    expect(at(archive(f1({ format: 'gnu', at345: `${oct(1700000001, 12)}${oct(1700000002, 12)}` }), END))).toEqual([1700000001]);
    expect(at(archive(f1({ format: 'gnu' }), END))).toEqual([undefined]); // atime field all NUL: none
    expect(at(archive(f1({ format: 'ustar', at345: '1234567' }), END))).toEqual([undefined]);
    expect(at(archive(f1({ format: 'v7' }), END))).toEqual([undefined]);
    expect(at(archive(pax([['atime', '1700000009.5']]), f1(), END))).toEqual([1700000009.5]);
    expect(at(archive(pax([['atime', '-3.25']]), f1(), END))).toEqual([-3.25]);
    expect(at(archive(pax([['atime', '7.']]), f1(), END))).toEqual([7]);
    expect(at(archive(pax([['atime', '1.1234567891']]), f1(), END))).toEqual([1.123456789]); // nanoseconds, truncated
    expect(at(archive(pax([['atime', '1.000000001']]), f1(), END))).toEqual([1.000000001]);
    // A GNU atime that is not a number: no atime, and the bytes are the prefix.
    const h = headers(archive(f1({ format: 'gnu', at345: `${oct(5, 12)}x` }), END))[0]!;
    expect([h.atime, h.path]).toEqual([undefined, '00000000005/f']);
  });

  it('GNU ctime that is not a number makes the prefix count, and drops the atime read before it', () => {
    const h = headers(archive(f1({ name: 'n', format: 'gnu', at345: Buffer.concat([Buffer.from('00000000001\0'), Buffer.from('zz')]) }), END))[0]!;
    expect(h.atime).toBeUndefined();
    expect(h.path).toBe('00000000001/n');
    // ctime alone (atime all NUL) that is a number: no prefix, no atime
    const g = headers(archive(f1({ name: 'n', format: 'gnu', at345: Buffer.concat([Buffer.alloc(12), Buffer.from(oct(9, 12))]) }), END))[0]!;
    expect([g.path, g.atime]).toEqual(['n', undefined]);
    // a non-ASCII "prefix" of a buggy GNU header is not used
    const na = headers(archive(f1({ name: 'n', format: 'gnu', at345: Buffer.from([0x78, 0xc3, 0xa9]) }), END))[0]!;
    expect(na.path).toBe('n');
    // non-ASCII after the first NUL does not count
    const tail = headers(archive(f1({ name: 'n', format: 'gnu', at345: Buffer.from([0x78, 0, 0xc3, 0xa9]) }), END))[0]!;
    expect(tail.path).toBe('x/n');
  });

  it('star prefix is 131 bytes; ustar prefix 155; names are 100 bytes with no NUL needed', () => {
    const p155 = 'p'.repeat(155);
    const n100 = 'n'.repeat(100);
    expect(headers(archive(f1({ name: n100, at345: p155 }), END))[0]!.path).toBe(`${p155}/${n100}`);
    const star = header({ name: 'n', format: 'star', size: 0 });
    star.write('q'.repeat(131), 345, 'latin1');
    expect(headers(archive(resum(star), END))[0]!.path).toBe(`${'q'.repeat(131)}/n`);
    expect(headers(archive(f1({ name: 'x', type: '2', linkname: 'l'.repeat(100) }, ''), END))[0]!.linkpath).toBe('l'.repeat(100));
  });

  it('devmajor/devminor are parsed for ustar, star and GNU, never for v7', () => {
    for (const format of ['ustar', 'star', 'gnu'] as const) {
      expect(refusal(archive(f1({ format, devminor: '0000009\0' }), END))).toBe('invalid devminor field');
      expect(refusal(archive(f1({ format, devmajor: '0000009\0' }), END))).toBe('invalid devmajor field');
    }
    const v7 = header({ name: 'f', format: 'v7', size: 0 });
    v7.write('0000009\0', 329, 'latin1');
    v7.write('0000009\0', 337, 'latin1');
    expect(headers(archive(resum(v7), END)).map((h) => h.path)).toEqual(['f']);
  });

  it('every type flag has its name; an unknown one says which', () => {
    const names: Record<string, string> = { '0': 'File', '1': 'Link', '2': 'SymbolicLink', '3': 'CharacterDevice', '4': 'BlockDevice', '5': 'Directory', '6': 'FIFO', '7': 'ContiguousFile', D: 'GNUDumpDir', M: 'ContinuationFile', V: 'TapeVolumeHeader', A: 'SolarisACL', I: 'Inode', X: 'OldExtendedHeader', Z: 'unknown type "Z"' };
    for (const [flag, name] of Object.entries(names)) {
      expect(headers(archive(f1({ type: flag }, ''), END))[0]!.type).toBe(name);
    }
  });

  it('header-only types carry no content whatever the size says; others do', () => {
    for (const flag of ['1', '2', '3', '4', '5', '6']) {
      const ev = events(archive(header({ name: 'h', type: flag, size: 5 }), f1({ name: 'next' }, 'n'), END));
      expect(ev.map((e) => (e[0] === 'entry' ? [e[1].path, e[1].size] : e[0]))).toEqual([['h', 0], 'end', ['next', 1], 'data', 'end']);
    }
    // a negative base-256 size on a header-only type is fine (Go)
    const neg = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb]);
    expect(headers(archive(header({ name: 's', type: '2', size: neg }), END)).map((h) => h.size)).toEqual([0]);
    // an old-style directory (type NUL, name/) with a pax size: still no content
    expect(headers(archive(pax([['size', '-4']]), header({ name: 'old/', type: '\0' }), END)).map((h) => [h.type, h.size])).toEqual([['Directory', 0]]);
    // a huge pax size on a header-only type is not looked at
    expect(headers(archive(pax([['size', '9007199254740993']]), header({ name: 's', type: '2' }), END)).map((h) => h.size)).toEqual([0]);
    expect(headers(archive(f1({ type: 'D' }, 'abc'), END))[0]!.size).toBe(3);
  });

  it('mode as it is (file-type bits, negative base-256), uid/gid from base-256', () => {
    expect(headers(archive(f1({ mode: oct(0o100755, 8) }), END))[0]!.mode).toBe(0o100755);
    expect(headers(archive(f1({ mode: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]) }), END))[0]!.mode).toBe(-2);
    expect(headers(archive(f1({ gid: Buffer.from([0x80, 0, 0, 0, 0, 0, 1, 0]) }), END))[0]!.gid).toBe(256);
    expect(headers(archive(f1({ uid: Buffer.from([0xc0, 0, 0, 0, 0, 0, 0, 0]) }), END))[0]!.uid).toBe(-(2 ** 62));
  });

  it('octal: blanks around, a NUL inside cuts, all blank is 0', () => {
    expect(headers(archive(f1({ uid: '  17  \0' }), END))[0]!.uid).toBe(0o17);
    expect(headers(archive(f1({ uid: Buffer.from([0x20, 0x31, 0, 0x39, 0x20, 0, 0, 0]) }), END))[0]!.uid).toBe(1);
    expect(headers(archive(f1({ uid: '        ' }), END))[0]!.uid).toBe(0);
    expect(headers(archive(f1({ uid: '7777777\0' }), END))[0]!.uid).toBe(0o7777777);
    expect(headers(archive(f1({ uid: '00000000' }), END))[0]!.uid).toBe(0);
    expect(refusal(archive(f1({ uid: '000000/\0' }), END))).toBe('invalid uid field');
  });
});

describe('tar reader: pax and GNU long names', () => {
  it('every pax key lands in its field; an empty value keeps the header value; only for the next entry', () => {
    const hs = headers(
      archive(
        pax([['path', 'P'], ['linkpath', 'L'], ['uid', '11'], ['gid', '22'], ['mtime', '33.5'], ['atime', '44'], ['ctime', '55'], ['size', '2']]),
        entry({ name: 'h', type: '2', linkname: 'hl', size: 0 }),
        f1({ name: 'after', uid: oct(3, 8), gid: oct(4, 8), linkname: 'own' }),
        pax([['linkpath', ''], ['gid', ''], ['mtime', ''], ['size', '']]),
        f1({ name: 'kept', linkname: 'kl', gid: oct(6, 8) }, 'abc'),
        END,
      ),
    );
    expect(hs.map((h) => [h.path, h.linkpath, h.uid, h.gid, h.mtime, h.atime, h.size])).toEqual([
      ['P', 'L', 11, 22, 33.5, 44, 0],
      ['after', 'own', 3, 4, 1700000000, undefined, 1],
      ['kept', 'kl', 0, 6, 1700000000, undefined, 3],
    ]);
  });

  it("GNU 'K' sets the link target of the next entry only; an 'L' with no NUL is taken whole", () => {
    const noNul = Buffer.concat([header({ name: '././@LongLink', type: 'L', format: 'gnu', size: 5 }), padded('whole')]);
    const hs = headers(archive(gnuLong('K', 'target'), entry({ name: 'l', type: '2', linkname: 'x' }), entry({ name: 'm', type: '2', linkname: 'y' }), noNul, f1(), END));
    expect(hs.map((h) => [h.path, h.linkpath])).toEqual([['l', 'target'], ['m', 'y'], ['whole', '']]);
    // a long name cut at its first NUL
    expect(headers(archive(gnuLong('L', 'ab\0cd'), f1(), END))[0]!.path).toBe('ab');
  });

  it("a 'g' header drops a pending GNU long name too; a later 'x' replaces an earlier one", () => {
    expect(headers(archive(gnuLong('L', 'lost'), pax([['comment', 'c']], 'g'), f1({ name: 'real' }), END))[0]!.path).toBe('real');
    expect(headers(archive(gnuLong('K', 'lost'), pax([['comment', 'c']], 'g'), f1({ name: 'real', type: '2', linkname: 'own' }, ''), END))[0]!.linkpath).toBe('own');
    expect(headers(archive(pax([['path', 'one']]), pax([['uid', '1']]), f1({ name: 'own' }), END)).map((h) => [h.path, h.uid])).toEqual([['own', 1]]);
  });

  it('metadata of size 0, and metadata split across many writes', () => {
    expect(headers(archive(header({ name: 'PaxHeaders/x', type: 'x', size: 0 }), f1({ name: 'z' }), END)).map((h) => h.path)).toEqual(['z']);
    expect(headers(archive(header({ name: '././@LongLink', type: 'L', format: 'gnu', size: 0 }), f1({ name: 'z' }), END)).map((h) => h.path)).toEqual(['z']);
    const long = 'seg/'.repeat(300);
    expect(headers(archive(pax([['path', long]]), f1(), END))[0]!.path).toBe(long); // 1200 bytes: three blocks
    expect(headers(archive(gnuLong('L', long), f1(), END))[0]!.path).toBe(long);
  });

  it('the metadata cap is 1 MiB exactly', () => {
    const body = (n: number): string => {
      // one comment record of exactly n bytes
      const rest = (k: number): string => ` comment=${'c'.repeat(k)}\n`;
      let k = n - 20;
      while (Buffer.byteLength(`${n}${rest(k)}`) < n) k++;
      while (Buffer.byteLength(`${n}${rest(k)}`) > n) k--;
      return `${n}${rest(k)}`;
    };
    expect(Buffer.byteLength(body(1 << 20))).toBe(1 << 20);
    expect(headers(archive(pax(body(1 << 20)), f1({ name: 'ok' }), END)).map((h) => h.path)).toEqual(['ok']);
    expect(refusal(archive(pax(`${body(1 << 20)}5 a=\n`), f1(), END))).toBe(`extended header of ${(1 << 20) + 5} bytes refused`);
  });

  it('pax sparse versions as Go reads them', () => {
    const sparse = (recs: [string, string][]): boolean => /not supported/.test(refusal(archive(pax(recs), f1({ name: 'n' }, 'DATA'), END)));
    expect(sparse([['GNU.sparse.major', '0'], ['GNU.sparse.minor', '0']])).toBe(true);
    expect(sparse([['GNU.sparse.major', '0'], ['GNU.sparse.minor', '1']])).toBe(true);
    expect(sparse([['GNU.sparse.major', '1'], ['GNU.sparse.minor', '0']])).toBe(true);
    expect(sparse([['GNU.sparse.major', '0'], ['GNU.sparse.minor', '2']])).toBe(false);
    expect(sparse([['GNU.sparse.major', '1'], ['GNU.sparse.minor', '1']])).toBe(false);
    expect(sparse([['GNU.sparse.major', '2'], ['GNU.sparse.minor', '0']])).toBe(false);
    expect(sparse([['GNU.sparse.major', '1']])).toBe(false);
    expect(sparse([['GNU.sparse.minor', '0']])).toBe(false);
    expect(sparse([['GNU.sparse.minor', '0'], ['GNU.sparse.map', '0,4']])).toBe(false);
    expect(sparse([['GNU.sparse.map', '0,4']])).toBe(true);
    expect(sparse([['GNU.sparse.map', '']])).toBe(false);
    expect(sparse([['GNU.sparse.offset', '0'], ['GNU.sparse.numbytes', '4']])).toBe(true); // 0.0: a map from pairs
    expect(sparse([['GNU.sparse.size', '8']])).toBe(false);
    expect(refusal(archive(pax([['GNU.sparse.map', '0,4'], ['GNU.sparse.name', 'real']]), f1({ name: 'n' }, 'DATA'), END))).toBe('sparse file "real" (pax GNU.sparse) is not supported');
    expect(refusal(archive(pax([['GNU.sparse.map', '0,4'], ['path', 'pp']]), f1({ name: 'n' }, 'DATA'), END))).toBe('sparse file "pp" (pax GNU.sparse) is not supported');
    expect(refusal(archive(pax([['GNU.sparse.offset', '0'], ['GNU.sparse.numbytes', '4'], ['GNU.sparse.offset', '9'], ['GNU.sparse.offset', '9']]), f1(), END))).toBe('invalid pax header');
  });
});

describe('tar reader: the edges the first mutation run found', () => {
  it('a NUL in a path, linkpath, uname or gname value is refused; in other values it is not', () => {
    for (const k of ['path', 'linkpath', 'uname', 'gname']) expect(refusal(archive(pax([[k, 'a\0b']]), f1(), END)), k).toBe('invalid pax header');
    expect(headers(archive(pax([['uname', 'root'], ['gname', 'wheel'], ['mtime', '1'], ['SCHILY.xattr.user.x', 'v\0w']]), f1(), END)).map((h) => h.mtime)).toEqual([1]);
  });

  it('the signed checksum counts 0x7f as 127 (only bytes above it are negative)', () => {
    expect(headers(archive(entry({ name: '\u007fx\u00ff', checksum: 'signed' }, 'c'), END)).map((h) => h.path)).toEqual(['\u007fx\u00ff']);
  });

  it("a buggy GNU header's prefix: 155 bytes at most, 0x80 is not ASCII", () => {
    const h = header({ name: 'n', format: 'gnu', size: 0, at345: 'x'.repeat(155) });
    h[500] = 0x80; // just past the prefix field
    expect(headers(archive(resum(h), END))[0]!.path).toBe(`${'x'.repeat(155)}/n`);
    expect(headers(archive(f1({ name: 'n', format: 'gnu', at345: Buffer.from([0x78, 0x80]) }), END))[0]!.path).toBe('n');
    expect(headers(archive(f1({ name: 'n', format: 'gnu', at345: Buffer.from([0x78, 0x7f]) }), END))[0]!.path).toBe('x\u007f/n');
  });

  it('the format is the magic and version together; the star trailer counts only with the ustar magic', () => {
    // GNU header with 'tar\0' at 508: still GNU (atime, no prefix)
    const g = header({ name: 'n', format: 'gnu', size: 0, at345: oct(1700000001, 12) });
    g.write('tar\0', 508, 'latin1');
    expect(headers(archive(resum(g), END)).map((h) => [h.path, h.atime])).toEqual([['n', 1700000001]]);
    // v7 with 'tar\0' at 508: no prefix
    const v = header({ name: 'n', format: 'v7', size: 0, at345: 'notprefix' });
    v.write('tar\0', 508, 'latin1');
    expect(headers(archive(resum(v), END)).map((h) => h.path)).toEqual(['n']);
    // "ustar " with version "0\0" or " 0": v7 (no prefix, devmajor not parsed)
    for (const version of ['0\0', ' 0']) {
      const b = header({ name: 'n', format: 'gnu', size: 0, at345: 'pre', devmajor: '0000009\0' });
      b.write(version, 263, 'latin1');
      expect(headers(archive(resum(b), END)).map((h) => h.path), JSON.stringify(version)).toEqual(['n']);
    }
    // no magic but " \0" where GNU has its version: v7
    const w = header({ name: 'n', format: 'v7', size: 0, at345: 'pre' });
    w.write(' \0', 263, 'latin1');
    w.write('0000009\0', 329, 'latin1');
    expect(headers(archive(resum(w), END)).map((h) => h.path)).toEqual(['n']);
  });

  it('a metadata header with a negative size is refused', () => {
    const neg = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfb]);
    for (const type of ['x', 'g', 'L', 'K']) expect(refusal(archive(header({ name: 'm', type, size: neg }), f1(), END)), type).toBe('negative size');
  });

  it('after an empty metadata header the next entry is an entry like any other (its end reported)', () => {
    for (const type of ['x', 'L']) {
      const ev = events(archive(header({ name: 'm', type, size: 0 }), f1({ name: 'z' }, 'q'), END));
      expect(ev.map((e) => (e[0] === 'entry' ? e[1].path : e[0] === 'data' ? e[1] : 'end'))).toEqual(['z', 'q', 'end']);
    }
  });

  it('a pax time with nothing before the dot names the empty seconds', () => {
    expect(refusal(archive(pax([['mtime', '.5']]), f1(), END))).toBe('invalid pax mtime: ""');
    expect(refusal(archive(pax([['mtime', `1.${'9'.repeat(45)}x`]]), f1(), END))).toBe(`invalid pax mtime: ${JSON.stringify(`1.${'9'.repeat(38)}`)}`);
  });

  it('pax sparse: an unknown major with a map is still a plain file', () => {
    expect(headers(archive(pax([['GNU.sparse.major', '2'], ['GNU.sparse.map', '0,4']]), f1({ name: 'n' }, 'DATA'), END)).map((h) => h.path)).toEqual(['n']);
    expect(headers(archive(pax([['GNU.sparse.major', '1'], ['GNU.sparse.map', '0,4']]), f1({ name: 'n' }, 'DATA'), END)).map((h) => h.path)).toEqual(['n']);
  });

  it('records after the first at their own offset: a length past the end is refused', () => {
    expect(refusal(archive(pax('5 a=\n99 b=c\n'), f1(), END))).toBe('invalid pax header');
    expect(refusal(archive(pax('5 a=\n0 b=c\n'), f1(), END))).toBe('invalid pax header');
  });
});

describe('tar reader: the survivors of the second mutation run', () => {
  it('pax numbers: the int64 ends themselves are in range, and 19 digits with leading zeros are a small number', () => {
    // strconv.ParseInt(v, 10, 64) takes exactly -2^63 … 2^63-1 (mergePAX parses uid/gid with
    // bit size 0, i.e. 64 on Go's 64-bit targets) and leading zeros; the value comes back as
    // the nearest double, as every number here does.
    const hs = headers(
      archive(
        pax([['uid', '9223372036854775807'], ['gid', '-9223372036854775808'], ['mtime', '0000000000000000001']]),
        f1(),
        pax([['uid', '+9223372036854775807'], ['mtime', '-9223372036854775808'], ['atime', '0009223372036854775807']]),
        f1(),
        END,
      ),
    );
    expect(hs.map((h) => [h.uid, h.gid, h.mtime, h.atime])).toEqual([
      [2 ** 63, -(2 ** 63), 1, undefined],
      [2 ** 63, 0, -(2 ** 63), 2 ** 63],
    ]);
  });

  it('pax sparse pairs: a second offset/numbytes pair is in order (an unknown version keeps it a plain file)', () => {
    // Go's parsePAX checks the order by len(sparseMap)%2: offset, numbytes, offset, numbytes.
    const pairs: [string, string][] = [['GNU.sparse.major', '2'], ['GNU.sparse.offset', '0'], ['GNU.sparse.numbytes', '1'], ['GNU.sparse.offset', '2'], ['GNU.sparse.numbytes', '3']];
    expect(headers(archive(pax(pairs), f1({ name: 'n' }, 'DATA'), END)).map((h) => h.path)).toEqual(['n']);
  });

  it('pax sparse pairs with empty values join to "," — a map Go sees (and then refuses), not an empty one', () => {
    // strings.Join(["", ""], ",") is ",", which is != "" in readGNUSparsePAXHeaders: a 0.0 sparse
    // file for Go (whose 0.1 map reader then returns ErrHeader). Refused here too, as sparse.
    const recs: [string, string][] = [['GNU.sparse.offset', ''], ['GNU.sparse.numbytes', '']];
    expect(refusal(archive(pax(recs), f1({ name: 'n' }, 'DATA'), END))).toBe('sparse file "n" (pax GNU.sparse) is not supported');
  });
});

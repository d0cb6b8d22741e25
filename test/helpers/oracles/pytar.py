# Reads each tar archive named on the command line with Python's tarfile and prints one JSON
# object per archive, one per line, in the shape of gotar.go's (a second opinion).
import hashlib, json, sys, tarfile

TYPES = {tarfile.REGTYPE: '0', tarfile.AREGTYPE: '0', tarfile.LNKTYPE: '1', tarfile.SYMTYPE: '2', tarfile.CHRTYPE: '3',
         tarfile.BLKTYPE: '4', tarfile.DIRTYPE: '5', tarfile.FIFOTYPE: '6', tarfile.CONTTYPE: '7', tarfile.GNUTYPE_SPARSE: 'S'}

def read(path):
    out = {'entries': [], 'error': None}
    try:
        with tarfile.open(path, 'r:') as tf:
            for m in tf:
                h = hashlib.sha256()
                n = 0
                if m.isreg():
                    f = tf.extractfile(m)
                    data = f.read()
                    if len(data) != m.size:
                        raise tarfile.ReadError('unexpected end of data')
                    h.update(data)
                    n = len(data)
                out['entries'].append({'name': m.name, 'type': TYPES.get(m.type, m.type.decode('latin1')), 'size': n,
                                       'linkname': m.linkname, 'mode': m.mode, 'uid': m.uid, 'gid': m.gid,
                                       'mtimeMs': round(m.mtime * 1000), 'sha256': h.hexdigest()})
    except Exception as e:  # any failure is "refused"
        out['error'] = f'{type(e).__name__}: {e}'
    return out

for p in sys.argv[1:]:
    print(json.dumps(read(p)))

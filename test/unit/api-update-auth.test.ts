// The pure parts of the Engine API's update and push/pull: Docker's UpdateConfig body → the
// engine's change, and the X-Registry-Auth header → credentials.
import { describe, expect, it } from 'vitest';
import { updateRequestOf } from '../../src/api/create-body.js';
import { registryAuth } from '../../src/api/images.js';
import { ApiError } from '../../src/api/http.js';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('POST /containers/{id}/update body', () => {
  it('reads what the docker CLI sends for update --memory 64m (zero values: unchanged)', () => {
    // docker/cli 28 `update --memory 64m`: every Resources field, zero unless set
    const body = { BlkioWeight: 0, CpuShares: 0, Memory: 67108864, NanoCpus: 0, MemorySwap: 0, PidsLimit: null, Devices: null, Ulimits: null, RestartPolicy: { Name: '', MaximumRetryCount: 0 } };
    expect(updateRequestOf(body)).toEqual({ Memory: 67108864 });
  });

  it('restart policies become --restart text; -1 pids is unlimited', () => {
    expect(updateRequestOf({ RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 }, PidsLimit: -1 })).toEqual({ restart: 'on-failure:3', PidsLimit: -1 });
    expect(updateRequestOf({ RestartPolicy: { Name: 'always' } })).toEqual({ restart: 'always' });
  });

  it('refuses a field it cannot honour, and a bad value, with 400', () => {
    const e = (() => {
      try {
        updateRequestOf({ BlkioWeight: 300, KernelMemory: 1 });
      } catch (x) {
        return x as ApiError;
      }
    })();
    expect(e).toBeInstanceOf(ApiError);
    expect([e!.status, e!.message]).toEqual([400, "BlkioWeight, KernelMemory: not supported by minidock's Engine API"]);
    expect(() => updateRequestOf({ Memory: '64m' })).toThrow('Memory: expected a number');
  });
});

describe('X-Registry-Auth', () => {
  it('username and password, or auth, from base64url JSON', () => {
    expect(registryAuth(b64url({ username: 'u', password: 'p', serveraddress: 'r' }))).toEqual({ username: 'u', password: 'p', source: 'X-Registry-Auth' });
    expect(registryAuth(b64url({ auth: Buffer.from('me:pa:ss').toString('base64') }))).toEqual({ username: 'me', password: 'pa:ss', source: 'X-Registry-Auth' });
    // standard base64 (some clients) reads the same
    expect(registryAuth(Buffer.from(JSON.stringify({ username: 'u', password: 'p?>' })).toString('base64'))?.password).toBe('p?>');
  });

  it("absent or empty ({}): none, the service's stored ones apply", () => {
    expect(registryAuth(undefined)).toBeUndefined();
    expect(registryAuth('')).toBeUndefined();
    expect(registryAuth(b64url({}))).toBeUndefined();
  });

  it('not JSON: 400', () => {
    expect(() => registryAuth('!!!')).toThrow(/invalid X-Registry-Auth header/);
    expect(() => registryAuth(Buffer.from('[1').toString('base64'))).toThrow(/invalid X-Registry-Auth header/);
  });
});

// `search`: what Docker's daemon does for GET /images/search (moby registry/search.go). Docker
// searches through the registry's *v1* search endpoint (`/v1/search?q=&n=`), which Docker Hub
// (index.docker.io) serves and the Distribution registry (`docker-registry`, the usual private
// one) does not: there Docker answers "Unexpected status code 404", and so does this. Its
// /v2/_catalog is no equivalent (a full list of names, paged, no descriptions or stars, often
// disabled): Docker does not use it, nor does this.
import { UserError } from '../../errors.js';
import type { Credentials } from './credentials.js';

export interface SearchResult {
  star_count: number;
  is_official: boolean;
  name: string;
  is_automated: boolean;
  description: string;
}

export interface SearchFilters {
  isOfficial?: boolean;
  isAutomated?: boolean;
  /** at least this many stars */
  stars?: number;
}

const DEFAULT_LIMIT = 25;
const MAX_ANSWER = 4 << 20;

/** A registry's answer that is not a result: Docker's errdefs.Unknown (HTTP 500), not a user error. */
export class SearchFailed extends Error {}

/** moby's splitReposSearchTerm: `host/name` when the first part looks like a host, else Docker Hub. */
export function splitSearchTerm(term: string): { index: string; remote: string } {
  const slash = term.indexOf('/');
  const first = slash < 0 ? '' : term.slice(0, slash);
  if (slash < 0 || (!first.includes('.') && !first.includes(':') && first !== 'localhost')) {
    // Docker Hub: "library/foo" is searched as "foo"
    return { index: 'docker.io', remote: term.replace(/^library\//, '') };
  }
  return { index: first, remote: term.slice(slash + 1) };
}

/** Docker's filters applied to the registry's results (moby does it after the request). */
export function filterResults(results: SearchResult[], f: SearchFilters): SearchResult[] {
  return results.filter(
    (r) => (f.isAutomated === undefined || r.is_automated === f.isAutomated) && (f.isOfficial === undefined || r.is_official === f.isOfficial) && (f.stars === undefined || r.star_count >= f.stars),
  );
}

export async function searchImages(term: string, o: { limit?: number; filters?: SearchFilters; credentials?: Credentials } = {}): Promise<SearchResult[]> {
  const limit = o.limit || DEFAULT_LIMIT;
  if (limit < 1 || limit > 100) throw new UserError(`limit ${limit} is outside the range of [1, 100]`);
  const { index, remote } = splitSearchTerm(term);
  const path = `/v1/search?q=${encodeURIComponent(remote)}&n=${limit}`;
  let res: import('./http.js').HttpResponse;
  try {
    if (index === 'docker.io') {
      // Docker Hub's v1 index is index.docker.io (its v2 registry, registry-1.docker.io, has no search)
      const { httpRequest } = await import('./http.js');
      res = await httpRequest(`https://index.docker.io${path}`, { headers: { Accept: 'application/json' } });
    } else {
      const { RegistryClient } = await import('./registry.js');
      res = await new RegistryClient(index, { credentials: o.credentials }).request(path, { accept: ['application/json'] });
    }
  } catch (e) {
    throw new SearchFailed((e as Error).message); // unreachable: Docker's errdefs.System, a 500
  }
  if (res.status !== 200) {
    await res.cancel();
    throw new SearchFailed(`Unexpected status code ${res.status}`);
  }
  let body: { results?: unknown };
  try {
    body = JSON.parse((await res.read(MAX_ANSWER, 'the search answer')).toString('utf8')) as typeof body;
  } catch (e) {
    throw new SearchFailed(`invalid search answer from ${index}: ${(e as Error).message}`);
  }
  const results = (Array.isArray(body?.results) ? body.results : []).map((r: Record<string, unknown>) => ({
    star_count: Number(r.star_count) || 0,
    is_official: r.is_official === true,
    name: String(r.name ?? ''),
    is_automated: r.is_automated === true,
    description: String(r.description ?? ''),
  }));
  return filterResults(results, o.filters ?? {});
}

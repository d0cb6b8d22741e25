// `login`'s check (and POST /auth): do these credentials open the registry? GET /v2/ answering
// whatever challenge comes. Storing them is the caller's: the CLI keeps them in auth.json, the
// Engine API's client in its own config (Docker's daemon stores none).
import { DOCKER_HUB_AUTH_KEY, normalizeServer } from './credentials.js';

/** The registry the credentials were checked with (Docker Hub: docker.io). */
export async function checkLogin(server: string | undefined, username: string, password: string, insecure: string[] = []): Promise<string> {
  const host = server ? normalizeServer(server) : 'docker.io';
  const registry = host === DOCKER_HUB_AUTH_KEY ? 'docker.io' : host;
  const { RegistryClient } = await import('./registry.js');
  await new RegistryClient(registry, { credentials: { username, password, source: 'flag' }, insecure }).ping();
  return registry;
}

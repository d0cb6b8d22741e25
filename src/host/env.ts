// The environment every child process of minidock gets: minidock's own, without the
// credentials it reads. A password given to `pull` through the environment is for the registry
// client in this process, not for `ip`, `iptables`, the shim, the internal-cleanup the shim runs
// when a container ends, the DNS resolver or an unpacking worker (/proc/PID/environ of any of
// them is readable by root and lives as long as they do). Every spawn in src/ passes
// `env: childEnv()` (test/unit/child-env.test.ts checks that no spawn forgets it).

/** Environment variables that carry credentials (read by src/engine/image/credentials.ts). */
export const CREDENTIAL_ENV = ['MINIDOCK_REGISTRY_USER', 'MINIDOCK_REGISTRY_PASSWORD'] as const;

/** A copy of `from` (default: this process's environment) without the credential variables. */
export function childEnv(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...from };
  for (const k of CREDENTIAL_ENV) delete env[k];
  return env;
}

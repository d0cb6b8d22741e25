// The host's platform in OCI terms (image configs, and picking a manifest out of an index).

const ARCH: Partial<Record<NodeJS.Architecture, { architecture: string; variant?: string }>> = {
  x64: { architecture: 'amd64' },
  arm64: { architecture: 'arm64', variant: 'v8' },
  arm: { architecture: 'arm', variant: 'v7' },
  ia32: { architecture: '386' },
  ppc64: { architecture: 'ppc64le' },
  s390x: { architecture: 's390x' },
  riscv64: { architecture: 'riscv64' },
  loong64: { architecture: 'loong64' },
  mips: { architecture: 'mips' },
  mipsel: { architecture: 'mipsle' },
};

export interface OciPlatform {
  os: 'linux';
  architecture: string;
  variant?: string;
}

export function hostPlatform(arch: NodeJS.Architecture = process.arch): OciPlatform {
  const a = ARCH[arch] ?? { architecture: arch };
  return { os: 'linux', ...a };
}

/** Parses '--platform' ('linux/arm64', 'linux/arm/v7', 'arm64'); throws on nonsense. */
export function parsePlatform(text: string): OciPlatform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.some((p) => p === '' || !/^[a-z0-9._-]+$/.test(p)) || parts.length > 3) {
    throw new Error(`invalid platform ${JSON.stringify(text)} (expected os/arch[/variant], e.g. linux/amd64)`);
  }
  let [os, arch, variant] = parts.length === 1 ? ['linux', parts[0]!, undefined] : [parts[0]!, parts[1]!, parts[2]];
  if (os !== 'linux') throw new Error(`unsupported platform ${JSON.stringify(text)}: only linux images can run here`);
  if (arch === 'x86_64' || arch === 'x86-64') arch = 'amd64';
  if (arch === 'aarch64') arch = 'arm64';
  return { os: 'linux', architecture: arch!, ...(variant ? { variant } : {}) };
}

export function formatPlatform(p: { os?: string; architecture?: string; variant?: string }): string {
  return [p.os ?? 'unknown', p.architecture ?? 'unknown', ...(p.variant ? [p.variant] : [])].join('/');
}

const DEFAULT_VARIANT: Record<string, string> = { arm64: 'v8' };

/**
 * Picks the entry of an image index that fits `want` (default: the host), as containerd's
 * platform matcher does: os and architecture must match; a wanted variant must match (arm64's
 * 'v8' also matches no variant), and without one the host's variant is preferred.
 * Returns the index of the chosen entry, or -1.
 */
export function choosePlatform(entries: { platform?: { os?: string; architecture?: string; variant?: string } }[], want: OciPlatform = hostPlatform()): number {
  const norm = (arch: string | undefined, v: string | undefined): string | undefined => (v ?? (arch ? DEFAULT_VARIANT[arch] : undefined));
  let best = -1;
  let bestScore = -1;
  entries.forEach((e, i) => {
    const p = e.platform;
    if (!p || p.os !== want.os || p.architecture !== want.architecture) return;
    const have = norm(p.architecture, p.variant);
    const wanted = norm(want.architecture, want.variant);
    let score = 1;
    if (wanted !== undefined && have !== undefined) {
      if (have !== wanted) {
        // An explicit variant must match; an implied (host) one only ranks.
        if (want.variant !== undefined) return;
        score = 0;
      } else score = 2;
    }
    if (score > bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

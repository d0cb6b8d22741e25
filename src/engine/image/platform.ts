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

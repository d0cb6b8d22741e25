#!/usr/bin/env bash
# Installs what minidock needs on Debian/Ubuntu (as root), builds it, and puts `minidock`
# on the PATH. Node.js >= 20 must already be there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_node() {
  command -v node >/dev/null || { echo "install.sh: Node.js >= 20 is required" >&2; exit 1; }
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || { echo "install.sh: Node.js >= 20 is required (found $(node --version))" >&2; exit 1; }
}
need_node

if [ "$(id -u)" -ne 0 ]; then echo "install.sh: run as root (containers need it)" >&2; exit 1; fi

export DEBIAN_FRONTEND=noninteractive
# kernel tools minidock drives (conntrack: `network trace` reads its events), the builtin
# image's source (busybox-static), xattr tools for overlay whiteouts, a C compiler for the
# shim and the DNS resolver, and OpenSSL's headers for the overlay watcher's TLS to etcd.
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  iproute2 iptables nftables conntrack util-linux busybox-static attr gcc libc6-dev libssl-dev procps ca-certificates >/dev/null

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
ln -sf "$PWD/bin/minidock" /usr/local/bin/minidock
echo "minidock installed: $(command -v minidock)"

#!/usr/bin/env bash
# Runs the whole test suite, as root, after scripts/install.sh. First installs what only the
# tests need: socat (network peers), Debian's docker-registry and skopeo (a real registry on
# 127.0.0.1 for the image tests), golang-go (Go's archive/tar and text/template as test oracles)
# strace (which writes are fsynced) and etcd (the overlay tests' cluster store, run in their own netns), all offline. Every test makes its own state root
# and throwaway network namespaces and cleans up; no test traffic leaves this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "test.sh: run as root (the tests start real containers)" >&2; exit 1; fi

export DEBIAN_FRONTEND=noninteractive
pkgs=(socat docker-registry skopeo golang-go strace etcd-server etcd-client)
if ! dpkg -s "${pkgs[@]}" >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 || {
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  }
  # Debian's package enables a registry service on :5000 where systemd runs; the tests start
  # their own on a free loopback port and need no service.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now docker-registry >/dev/null 2>&1 || true
  fi
fi
[ -x dist/minidock-shim ] || npm run build --silent
npm test

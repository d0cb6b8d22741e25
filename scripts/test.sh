#!/usr/bin/env bash
# Runs the whole test suite, as root, after scripts/install.sh. First installs what only the
# tests need: socat (network peers), Debian's docker-registry and skopeo (a real registry on
# 127.0.0.1 for the image tests), golang-go (Go's archive/tar and text/template as test oracles)
# strace (which writes are fsynced), python3-docker (Docker's Python SDK, a client of the
# Engine API service; python3-websocket for its attach websocket), docker-compose (1.29, another
# client of it) and etcd (the overlay tests' cluster store, run in their own netns), iperf3 (bulk
# traffic over the overlay), iputils-ping (ping -D timestamps: the overlay first-ping test), chromium (headless, as root with --no-sandbox: the live diagram's
# page, driven by the DevTools protocol over a pipe) and curl, all offline.
# Every test makes its own state root and throwaway network namespaces and cleans up; no test
# traffic leaves this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "test.sh: run as root (the tests start real containers)" >&2; exit 1; fi

export DEBIAN_FRONTEND=noninteractive
pkgs=(socat docker-registry skopeo golang-go strace python3-docker python3-websocket docker-compose etcd-server etcd-client iperf3 iputils-ping chromium curl)
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
# The Engine API tests drive minidock with the real docker CLI (never its daemon). Where the
# machine has no docker CLI, take Debian's from the docker.io package without installing it
# (installing would enable and start dockerd, which changes the host's firewall).
if ! command -v docker >/dev/null && [ ! -x .cache/docker-cli/docker ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && { apt-get download docker.io >/dev/null 2>&1 || { apt-get update -qq && apt-get download docker.io >/dev/null; }; } && dpkg-deb -x docker.io_*.deb x)
  mkdir -p .cache/docker-cli && cp "$tmp/x/usr/bin/docker" .cache/docker-cli/docker
  rm -rf "$tmp"
fi
[ -x dist/minidock-shim ] || npm run build --silent
npm test

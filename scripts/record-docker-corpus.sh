#!/bin/sh
# Records Docker's side of the differential corpus (test/integration/docker-corpus.*): starts a
# throwaway dockerd of its own (bench/docker.mjs: own socket, data and exec roots, inside the
# test's throwaway netns, no iptables rules; stopped and removed at the end), runs every case of
# docker-corpus.cases.ts against it with the docker CLI (MINIDOCK_DOCKER_CLI, default
# /usr/local/bin/docker) and rewrites test/integration/docker-corpus.recorded.json.
# Needs root and Debian's docker.io (dockerd, containerd, runc). CI never runs this.
set -eu
cd "$(dirname "$0")/.."
MINIDOCK_RECORD_DOCKER=1 exec unshare -m --propagation private npx vitest run test/integration/docker-corpus.test.ts

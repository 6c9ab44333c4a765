#!/usr/bin/env bash
# Installs what building and testing minibox needs on a fresh Debian/Ubuntu machine (as root).
# Idempotent: what is already there is left alone. `--bench` adds the peers the benchmark compares with.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(busybox-static skopeo umoci tini docker-registry openssl libnftables1 nftables iproute2 iptables containerd gcc libc6-dev)
packages+=(buildah) # build (issue 12): the reference builder of test/e2e/build-reference.test.ts
[[ "${1:-}" == "--bench" ]] && packages+=(crun runc podman hyperfine)
# net-bench: `bun run bench network` — iperf3 for throughput, CNI's dnsname plugin for podman's DNS by name
[[ "${1:-}" == "--bench" ]] && packages+=(iperf3 golang-github-containernetworking-plugin-dnsname)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUN_VERSION=1.4.4
if ! command -v bun >/dev/null || [[ "$(bun --version)" != "$BUN_VERSION" ]]; then
  npm install -g --silent "bun@$BUN_VERSION" >/dev/null
fi
bun install --frozen-lockfile >/dev/null

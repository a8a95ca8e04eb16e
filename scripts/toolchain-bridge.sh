#!/usr/bin/env bash
# Build the docker provider plugin bridged from the Terraform docker provider (toolchain/bridge-docker, issue 11)
# once per input hash; scripts/toolchain.sh calls it unless QUEUEKIT_DOCKER_PROVIDER=own.
#
#   scripts/toolchain-bridge.sh     ensure it is built; print the plugin directory on stdout (progress on stderr)
#
# The directory printed holds `pulumi-resource-docker` (reporting $DOCKER_PROVIDER_VERSION) and its schema.json.
# Cache: ${QUEUEKIT_CACHE:-~/.cache/queuekit}/toolchain/bridge-docker-<key>, key = hash of the module's files, this
# script, the pinned version and the Go version; a flock makes concurrent runs wait for one build. Its Go build
# cache is kept apart, in ${QUEUEKIT_CACHE:-~/.cache/queuekit}/bridge-gocache (QUEUEKIT_BRIDGE_GOCACHE), so that a
# change of our ~250 lines relinks in ~20 s instead of recompiling the provider's ~300 modules (~630 s of CPU).
# The build: go build pulumi-tfgen-docker -> it writes schema.json + bridge-metadata.json -> go build
# pulumi-resource-docker with both embedded; in a copy of the sources, so the work tree stays clean.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../toolchain/versions.env
source "$repo/toolchain/versions.env"
root=${QUEUEKIT_CACHE:-$HOME/.cache/queuekit}
cache=$root/toolchain

say() { printf '[toolchain-bridge %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() {
  printf '[toolchain-bridge] error: %s\n' "$*" >&2
  exit 1
}

command -v go >/dev/null || fail "Go >= $GO_MIN_VERSION is needed to build the bridged docker plugin (apt-get install golang-go), or use QUEUEKIT_DOCKER_PROVIDER=own"
# shellcheck source=go-env.sh
source "$repo/scripts/go-env.sh"
export GOCACHE=${QUEUEKIT_BRIDGE_GOCACHE:-$root/bridge-gocache}
# Same flags for every build and test of the module: other flags make Go recompile everything (~20 min here).
tags=no_compose # docker_compose is not in the 5.2.0 SDK; upstream's own tag drops its large dependency tree

# Everything the build reads: tracked and new (not ignored) files of the module, this script, pins, Go version.
key=$(
  cd "$repo"
  files=$(git ls-files -co --exclude-standard toolchain/bridge-docker | sort)
  # shellcheck disable=SC2086
  { cat $files scripts/toolchain-bridge.sh; echo "$DOCKER_PROVIDER_VERSION $(go env GOVERSION) $tags $files"; } | sha256sum | cut -c1-12
)
dest=$cache/bridge-docker-$key
if [ -f "$dest/.complete" ]; then
  echo "$dest"
  exit 0
fi

# step LOG WHAT CMD...: run a build step with a heartbeat (CI logs show it is alive) and its output in LOG.
step() {
  local logf=$1 what=$2 t0=$SECONDS
  shift 2
  say "$what"
  ("$@") </dev/null >>"$logf" 2>&1 &
  local pid=$! next=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS >= next)); then
      say "  … $what: $((SECONDS - t0))s, $(du -sh "$GOCACHE" 2>/dev/null | cut -f1) of build cache"
      next=$((next + 30))
    fi
  done
  wait "$pid" || {
    tail -n 40 "$logf" >&2
    fail "$what failed after $((SECONDS - t0))s (full log: $logf)"
  }
  say "  done in $((SECONDS - t0))s"
}

build() { # build OUT_DIR
  local out=$1 work=$1/src t0=$SECONDS
  mkdir -p "$work"
  (cd "$repo" && git ls-files -co --exclude-standard toolchain/bridge-docker) | while read -r f; do
    mkdir -p "$work/$(dirname "${f#toolchain/bridge-docker/}")"
    cp "$repo/$f" "$work/${f#toolchain/bridge-docker/}"
  done
  cd "$work"
  step "$out/build.log" "go build pulumi-tfgen-docker (cold: ~10 min of CPU; warm: a link)" \
    go build -trimpath -tags "$tags" -o "$out/pulumi-tfgen-docker" ./cmd/pulumi-tfgen-docker
  # Resource descriptions from the Terraform provider's docs/ (its module source); HCL examples are kept
  # as they are (--skip-examples: converting them needs Pulumi's terraform converter plugin).
  upstream=$(go list -m -f '{{.Dir}}' github.com/terraform-providers/terraform-provider-docker)
  step "$out/tfgen.log" "pulumi-tfgen-docker schema" \
    env QUEUEKIT_UPSTREAM_DIR="$upstream" "$out/pulumi-tfgen-docker" schema --out cmd/pulumi-resource-docker --skip-examples
  cp cmd/pulumi-resource-docker/schema.json cmd/pulumi-resource-docker/bridge-metadata.json "$out/"
  step "$out/build.log" "go build pulumi-resource-docker v$DOCKER_PROVIDER_VERSION" \
    go build -trimpath -tags "$tags" -ldflags "-s -w -X main.Version=$DOCKER_PROVIDER_VERSION" \
    -o "$out/pulumi-resource-docker" ./cmd/pulumi-resource-docker
  rm -rf "$work" "$out/pulumi-tfgen-docker"
  say "pulumi-resource-docker (bridged) built in $((SECONDS - t0))s"
}

mkdir -p "$cache"
exec 8>"$cache/.bridge-docker.lock"
say "waiting for the build lock of the bridged docker plugin"
flock 8
if [ ! -f "$dest/.complete" ]; then
  tmp=$(mktemp -d "$cache/.bridge-docker-XXXX")
  trap 'rm -rf "$tmp"' EXIT
  say "building the bridged docker plugin (key $key, Go build cache $GOCACHE)"
  (build "$tmp")
  trap - EXIT
  touch "$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
fi
exec 8>&-
echo "$dest"

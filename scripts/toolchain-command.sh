#!/usr/bin/env bash
# Build the command provider plugin (toolchain/command-provider/, on pulumi-go-provider) once per input hash.
#
#   scripts/toolchain-command.sh        ensure it is built; print the plugin directory on stdout (progress on stderr)
#
# The directory printed holds `pulumi-resource-command` (reporting $COMMAND_PROVIDER_VERSION): link it as
# $PULUMI_HOME/plugins/resource-command-v$COMMAND_PROVIDER_VERSION/pulumi-resource-command.
# Cache: ${QUEUEKIT_CACHE:-~/.cache/queuekit}/toolchain/command-provider-<key>, key = hash of the module's files,
# this script, the pinned version and the Go version; a flock makes concurrent runs wait for one build.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../toolchain/versions.env
source "$repo/toolchain/versions.env"
src="$repo/toolchain/command-provider"
cache=${QUEUEKIT_CACHE:-$HOME/.cache/queuekit}/toolchain

log() { printf '[toolchain-command %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[toolchain-command] error: %s\n' "$*" >&2
  exit 1
}

command -v go >/dev/null || die "Go >= $GO_MIN_VERSION is needed to build the command provider (apt-get install golang-go)"
# shellcheck source=go-env.sh
source "$repo/scripts/go-env.sh"

# Everything the build reads: tracked and new (not ignored) files of the module, this script, pins, Go version.
key=$(
  cd "$repo"
  files=$(git ls-files -co --exclude-standard toolchain/command-provider | sort)
  # shellcheck disable=SC2086
  { cat $files scripts/toolchain-command.sh; echo "$COMMAND_PROVIDER_VERSION $(go env GOVERSION) $files"; } | sha256sum | cut -c1-12
)
dest="$cache/command-provider-$key"
if [ -f "$dest/.complete" ]; then
  echo "$dest"
  exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.command-provider.lock"
log "waiting for the build lock"
flock 9
if [ ! -f "$dest/.complete" ]; then
  tmp=$(mktemp -d "$cache/.command-provider-XXXX")
  trap 'rm -rf "$tmp"' EXIT
  log "building pulumi-resource-command v$COMMAND_PROVIDER_VERSION (key $key) — cold: ≈200 s of CPU (2–9 min on 2 cores), plus module downloads"
  start=$SECONDS
  (cd "$src" && go build -trimpath -ldflags "-s -w -X main.Version=$COMMAND_PROVIDER_VERSION" \
    -o "$tmp/pulumi-resource-command" ./cmd/pulumi-resource-command) >"$tmp/build.log" 2>&1 &
  pid=$!
  next=$((start + 30))
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS >= next)); then
      log "  … go build: $((SECONDS - start))s"
      next=$((next + 30))
    fi
  done
  if ! wait "$pid"; then
    tail -n 40 "$tmp/build.log" >&2
    die "go build of toolchain/command-provider failed after $((SECONDS - start))s"
  fi
  got=$("$tmp/pulumi-resource-command" -version 2>/dev/null || true)
  [ -z "$got" ] || [ "$got" = "$COMMAND_PROVIDER_VERSION" ] || die "the built plugin reports version '$got', expected $COMMAND_PROVIDER_VERSION"
  log "  built in $((SECONDS - start))s, $(du -h "$tmp/pulumi-resource-command" | cut -f1)"
  touch "$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  trap - EXIT
fi
exec 9>&-
echo "$dest"

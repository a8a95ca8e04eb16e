#!/usr/bin/env bash
# Make the Pulumi toolchain available: the CLI, its Node.js language host and the docker/command plugins.
#
#   scripts/toolchain.sh            ensure it, print nothing but progress (stderr)
#   scripts/toolchain.sh --env      ensure it, then print `export` lines for eval (used by scripts/env.sh)
#
# Order of preference:
#   1. QUEUEKIT_TOOLCHAIN=path  -> `pulumi` from PATH is used when it and the pinned plugins are present.
#   2. otherwise (default, or QUEUEKIT_TOOLCHAIN=build) -> build the pinned versions from the Go module
#      proxy into ~/.cache/queuekit/toolchain/<component>-<key>/ (key = hash of everything the build reads),
#      so a second run is instant and concurrent runs wait for each other (flock).
# Nothing here downloads a plugin at run time: PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION is always set.
#
# The docker plugin (QUEUEKIT_DOCKER_PROVIDER): `bridge` (the default) builds it from the upstream Terraform docker
# provider through Pulumi's bridge (toolchain/bridge-docker, scripts/toolchain-bridge.sh; issue 11; a cold build is
# ~10 min of CPU, cached after); `own` is queuekit's own implementation (toolchain/providers), the fallback.
# The command plugin (QUEUEKIT_COMMAND_PROVIDER): `go-provider` (the default) is toolchain/command-provider on
# pulumi-go-provider (scripts/toolchain-command.sh; ~200 s of CPU cold); `own` is toolchain/providers' command half.
set -euo pipefail

# The one line that picks the docker plugin when QUEUEKIT_DOCKER_PROVIDER is not set: bridge or own.
DEFAULT_DOCKER_PROVIDER=bridge
# The same for the command plugin: go-provider (toolchain/command-provider, on pulumi-go-provider) or own.
DEFAULT_COMMAND_PROVIDER=go-provider

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../toolchain/versions.env
source "$repo/toolchain/versions.env"
cache=${QUEUEKIT_CACHE:-$HOME/.cache/queuekit}/toolchain
mode=${QUEUEKIT_TOOLCHAIN:-auto}
docker_provider=${QUEUEKIT_DOCKER_PROVIDER:-$DEFAULT_DOCKER_PROVIDER}
command_provider=${QUEUEKIT_COMMAND_PROVIDER:-$DEFAULT_COMMAND_PROVIDER}

log() { printf '[toolchain %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[toolchain] error: %s\n' "$*" >&2
  exit 1
}

# Hash of files and strings: the cache key of one component.
key_of() { (cat "$@" 2>/dev/null; echo "$PULUMI_VERSION $LANGHOST_SDK_VERSION $DOCKER_PROVIDER_VERSION $COMMAND_PROVIDER_VERSION $(go env GOVERSION 2>/dev/null)") | sha256sum | cut -c1-12; }

require_go() {
  command -v go >/dev/null || die "Go >= $GO_MIN_VERSION is needed to build the Pulumi toolchain (apt-get install golang-go, or put pulumi + plugins on PATH and set QUEUEKIT_TOOLCHAIN=path)"
  local have
  have=$(go env GOVERSION | sed 's/^go//')
  if [ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "$have" | sort -V | head -n1)" != "$GO_MIN_VERSION" ]; then
    die "Go $have is too old: the pinned Pulumi $PULUMI_VERSION needs Go >= $GO_MIN_VERSION"
  fi
}

# Run a long build with a heartbeat so CI logs show it is alive; keep its log for the error message.
with_heartbeat() {
  local what=$1 logf=$2
  shift 2
  local start=$SECONDS
  ("$@") >"$logf" 2>&1 &
  local pid=$! next=$((start + 30))
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS >= next)); then
      log "  … $what: $((SECONDS - start))s"
      next=$((next + 30))
    fi
  done
  if ! wait "$pid"; then
    tail -n 40 "$logf" >&2
    die "$what failed after $((SECONDS - start))s (full log: $logf)"
  fi
  log "  $what done in $((SECONDS - start))s"
}

# shellcheck source=go-env.sh
go_env() { source "$repo/scripts/go-env.sh"; }

# build_component NAME SRC_DIR KEY BUILD_FN: build once into $cache/NAME-KEY, atomically.
build_component() {
  local name=$1 src=$2 key=$3 fn=$4
  local dest="$cache/$name-$key"
  if [ -f "$dest/.complete" ]; then
    echo "$dest"
    return
  fi
  mkdir -p "$cache"
  exec 9>"$cache/.$name.lock"
  log "waiting for the build lock of $name" && flock 9
  if [ ! -f "$dest/.complete" ]; then
    local tmp
    tmp=$(mktemp -d "$cache/.$name-XXXX")
    log "building $name (key $key) from the Go module proxy — a cold build takes several minutes"
    (cd "$src" && go_env && "$fn" "$tmp") || {
      rm -rf "$tmp"
      exit 1
    }
    touch "$tmp/.complete"
    rm -rf "$dest"
    mv "$tmp" "$dest"
  fi
  exec 9>&-
  echo "$dest"
}

build_cli() {
  with_heartbeat "go build pulumi v$PULUMI_VERSION" "$1/build.log" \
    go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$1/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

build_langhost() {
  with_heartbeat "go build pulumi-language-nodejs (sdk v$LANGHOST_SDK_VERSION)" "$1/build.log" \
    go build -trimpath -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LANGHOST_SDK_VERSION" \
    -o "$1/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
  # The policy-pack analyzer plugin the CLI looks for; upstream ships it as this same small script.
  printf '#!/bin/sh\nexec node ./node_modules/@pulumi/pulumi/cmd/run-policy-pack "$@"\n' >"$1/pulumi-analyzer-policy"
  chmod +x "$1/pulumi-analyzer-policy"
}

build_providers() {
  local v=queuekit.dev/toolchain/providers/internal/rpc.Version
  with_heartbeat "go build pulumi-resource-docker v$DOCKER_PROVIDER_VERSION" "$1/build-docker.log" \
    go build -trimpath -ldflags "-X $v=$DOCKER_PROVIDER_VERSION" -o "$1/pulumi-resource-docker" ./cmd/pulumi-resource-docker
  with_heartbeat "go build pulumi-resource-command v$COMMAND_PROVIDER_VERSION" "$1/build-command.log" \
    go build -trimpath -ldflags "-X $v=$COMMAND_PROVIDER_VERSION" -o "$1/pulumi-resource-command" ./cmd/pulumi-resource-command
}

path_toolchain_ok() {
  command -v pulumi >/dev/null || return 1
  local plugins
  plugins=$(pulumi plugin ls 2>/dev/null) || return 1
  grep -Eq "^docker +resource +$DOCKER_PROVIDER_VERSION" <<<"$plugins" &&
    grep -Eq "^command +resource +$COMMAND_PROVIDER_VERSION" <<<"$plugins"
}

main() {
  local want_env=0
  [ "${1:-}" = "--env" ] && want_env=1
  local bin home
  if [ "$mode" != build ] && path_toolchain_ok; then
    log "using pulumi from PATH: $(command -v pulumi) ($(pulumi version))"
    bin=$(dirname "$(command -v pulumi)")
    home=${PULUMI_HOME:-$HOME/.pulumi}
  elif [ "$mode" = path ]; then
    die "QUEUEKIT_TOOLCHAIN=path, but pulumi or its plugins docker $DOCKER_PROVIDER_VERSION / command $COMMAND_PROVIDER_VERSION are missing (pulumi plugin ls)"
  else
    require_go
    case $docker_provider in
      bridge | own) ;;
      *) die "QUEUEKIT_DOCKER_PROVIDER=$docker_provider: use bridge (the Terraform provider bridged, the default) or own (toolchain/providers)" ;;
    esac
    case $command_provider in
      go-provider | own) ;;
      *) die "QUEUEKIT_COMMAND_PROVIDER=$command_provider: use go-provider (toolchain/command-provider, the default) or own (toolchain/providers)" ;;
    esac
    local t0=$SECONDS cli lh prov docker_dir command_dir
    cli=$(build_component cli "$repo/toolchain/cli" "$(key_of "$repo"/toolchain/cli/go.*)" build_cli)
    lh=$(build_component langhost "$repo/toolchain/langhost" "$(key_of "$repo"/toolchain/langhost/go.*)" build_langhost)
    prov=$(build_component providers "$repo/toolchain/providers" \
      "$(key_of $(cd "$repo" && git ls-files -co --exclude-standard toolchain/providers | sed "s#^#$repo/#" | sort))" build_providers)
    docker_dir=$prov
    [ "$docker_provider" = own ] || docker_dir=$(bash "$repo/scripts/toolchain-bridge.sh")
    command_dir=$prov
    [ "$command_provider" = own ] || command_dir=$(bash "$repo/scripts/toolchain-command.sh")
    # Assemble a PULUMI_HOME whose plugin folders are exactly the pinned versions (no download possible).
    home="$cache/home-$(echo "$cli $lh $prov $docker_dir $command_dir" | sha256sum | cut -c1-12)"
    mkdir -p "$home/plugins/resource-docker-v$DOCKER_PROVIDER_VERSION" "$home/plugins/resource-command-v$COMMAND_PROVIDER_VERSION" "$home/bin"
    ln -sf "$docker_dir/pulumi-resource-docker" "$home/plugins/resource-docker-v$DOCKER_PROVIDER_VERSION/pulumi-resource-docker"
    ln -sf "$command_dir/pulumi-resource-command" "$home/plugins/resource-command-v$COMMAND_PROVIDER_VERSION/pulumi-resource-command"
    # Hard links, not symlinks: pulumi resolves its own path and expects its language host beside it.
    ln -f "$cli/pulumi" "$lh/pulumi-language-nodejs" "$lh/pulumi-analyzer-policy" "$home/bin/"
    bin="$home/bin"
    log "toolchain ready in $((SECONDS - t0))s: $("$bin/pulumi" version) in $bin, docker plugin: $docker_provider, command plugin: $command_provider"
  fi
  if [ $want_env = 1 ]; then
    printf 'export PATH=%q:"$PATH"\n' "$bin"
    printf 'export PULUMI_HOME=%q\n' "$home"
    printf 'export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true\n'
  fi
}

main "$@"

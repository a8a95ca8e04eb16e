#!/usr/bin/env bash
# Opt-in (issue 11): the docker provider plugin bridged from the Terraform docker provider
# (toolchain/bridge-docker) instead of queuekit's own one (toolchain/providers). Experimental.
#
#   QUEUEKIT_DOCKER_PROVIDER=bridge scripts/toolchain-bridge.sh        build it (once) into the cache, print its path
#   QUEUEKIT_DOCKER_PROVIDER=bridge scripts/toolchain-bridge.sh --env  also run scripts/toolchain.sh --env and print
#       its `export` lines with PULUMI_HOME replaced by one whose docker 5.2.0 plugin is the bridged one
#       (eval "$(…)"); everything else (CLI, language host, command plugin) is the regular toolchain's.
#
# Without QUEUEKIT_DOCKER_PROVIDER=bridge it does nothing. scripts/toolchain.sh is not changed by this.
# The build: go build pulumi-tfgen-docker -> it writes schema.json + bridge-metadata.json -> go build
# pulumi-resource-docker with both embedded; in a copy of the sources, so the work tree stays clean.
# Cold (empty Go build cache): ~18 min on a loaded 2-core machine with -p 1; see docs/toolchain.md.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../toolchain/versions.env
source "$repo/toolchain/versions.env"
cache=${QUEUEKIT_CACHE:-$HOME/.cache/queuekit}/toolchain
src=$repo/toolchain/bridge-docker

say() { printf '[toolchain-bridge %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
fail() {
  printf '[toolchain-bridge] error: %s\n' "$*" >&2
  exit 1
}

if [ "${QUEUEKIT_DOCKER_PROVIDER:-}" != bridge ]; then
  say "QUEUEKIT_DOCKER_PROVIDER is not 'bridge': nothing to do (the regular toolchain is scripts/toolchain.sh)"
  exit 0
fi
command -v go >/dev/null || fail "Go >= $GO_MIN_VERSION is needed to build the bridged docker plugin"

# Cache key: every committed or new file of the module, this script, the plugin version and the Go version.
key=$( (cd "$repo" && git ls-files -co --exclude-standard toolchain/bridge-docker | sort | xargs cat
  cat "${BASH_SOURCE[0]}"
  echo "$DOCKER_PROVIDER_VERSION $(go env GOVERSION)") | sha256sum | cut -c1-12)
dest=$cache/bridge-docker-$key

build() { # build OUT_DIR
  local out=$1 work=$1/src t0=$SECONDS
  # shellcheck source=go-env.sh
  source "$repo/scripts/go-env.sh"
  local tags=no_compose # docker_compose is not in the 5.2.0 SDK; the tag drops its large dependency tree
  mkdir -p "$work"
  (cd "$repo" && git ls-files -co --exclude-standard toolchain/bridge-docker) | while read -r f; do
    mkdir -p "$work/$(dirname "${f#toolchain/bridge-docker/}")"
    cp "$repo/$f" "$work/${f#toolchain/bridge-docker/}"
  done
  cd "$work"
  say "go build pulumi-tfgen-docker (a cold build takes many minutes)"
  go build -trimpath -tags "$tags" -o "$out/pulumi-tfgen-docker" ./cmd/pulumi-tfgen-docker >"$out/build.log" 2>&1 ||
    { tail -n 40 "$out/build.log" >&2; fail "building pulumi-tfgen-docker failed"; }
  say "  done in $((SECONDS - t0))s; generating schema.json"
  # Resource descriptions from the Terraform provider's docs/ (its module source); HCL examples are kept
  # as they are (--skip-examples: converting them needs Pulumi's terraform converter plugin).
  QUEUEKIT_UPSTREAM_DIR=$(go list -m -f '{{.Dir}}' github.com/terraform-providers/terraform-provider-docker) \
    "$out/pulumi-tfgen-docker" schema --out cmd/pulumi-resource-docker --skip-examples >"$out/tfgen.log" 2>&1 ||
    { tail -n 40 "$out/tfgen.log" >&2; fail "pulumi-tfgen-docker schema failed"; }
  cp cmd/pulumi-resource-docker/schema.json cmd/pulumi-resource-docker/bridge-metadata.json "$out/"
  go build -trimpath -tags "$tags" -ldflags "-s -w -X main.Version=$DOCKER_PROVIDER_VERSION" \
    -o "$out/pulumi-resource-docker" ./cmd/pulumi-resource-docker >>"$out/build.log" 2>&1 ||
    { tail -n 40 "$out/build.log" >&2; fail "building pulumi-resource-docker failed"; }
  rm -rf "$work" "$out/pulumi-tfgen-docker"
  say "pulumi-resource-docker (bridged) built in $((SECONDS - t0))s"
}

if [ ! -f "$dest/.complete" ]; then
  mkdir -p "$cache"
  exec 8>"$cache/.bridge-docker.lock"
  flock 8
  if [ ! -f "$dest/.complete" ]; then
    tmp=$(mktemp -d "$cache/.bridge-docker-XXXX")
    trap 'rm -rf "$tmp"' EXIT
    (build "$tmp") # errexit applies inside: a failed step ends the build and the trap removes $tmp
    trap - EXIT
    touch "$tmp/.complete"
    rm -rf "$dest"
    mv "$tmp" "$dest"
  fi
  exec 8>&-
fi

if [ "${1:-}" != --env ]; then
  echo "$dest/pulumi-resource-docker"
  exit 0
fi

# The regular toolchain's environment, with a PULUMI_HOME whose docker plugin is the bridged one.
regular=$(bash "$repo/scripts/toolchain.sh" --env)
home=$(eval "$regular" && echo "$PULUMI_HOME")
bridged_home=$cache/home-bridge-$(echo "$home $dest" | sha256sum | cut -c1-12)
mkdir -p "$bridged_home/plugins/resource-docker-v$DOCKER_PROVIDER_VERSION"
for p in "$home"/plugins/*/; do # real folders with linked files: pulumi skips a symlinked plugin folder
  p=${p%/}
  case $(basename "$p") in resource-docker-v*) continue ;; esac
  mkdir -p "$bridged_home/plugins/$(basename "$p")"
  for f in "$p"/*; do ln -sf "$(readlink -f "$f")" "$bridged_home/plugins/$(basename "$p")/"; done
done
ln -sf "$dest/pulumi-resource-docker" "$bridged_home/plugins/resource-docker-v$DOCKER_PROVIDER_VERSION/pulumi-resource-docker"
[ -d "$home/bin" ] && ln -sfn "$home/bin" "$bridged_home/bin"
grep -v '^export PULUMI_HOME=' <<<"$regular"
printf 'export PULUMI_HOME=%q\n' "$bridged_home"

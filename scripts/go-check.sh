#!/usr/bin/env bash
# The Go of queuekit's provider plugins: `lint` (gofmt + go vet) or `test` (go test), in each module:
#   toolchain/providers       queuekit's own docker (fallback) and command plugins
#   toolchain/bridge-docker   the docker plugin bridged from the Terraform provider: its mapping test (tokens, the
#                             SDK's property names, the schema generated in memory)
# Without Go (a machine that uses `pulumi` and the official plugins from PATH) there is nothing of ours to check.
set -euo pipefail
mode=${1:?usage: go-check.sh lint|test}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ! command -v go >/dev/null; then
  echo "[go-check] go not on PATH: queuekit's provider plugins are not built here, so not checked" >&2
  exit 0
fi
case $mode in lint | test) ;; *) echo "[go-check] unknown mode $mode: use lint or test" >&2 && exit 2 ;; esac
# shellcheck source=go-env.sh
source "$repo/scripts/go-env.sh" # the toolchain build's module settings

# check DIR PACKAGES [BUILD FLAGS...]: lint or test one module's packages with the flags its toolchain build uses.
check() {
  local dir=$1 pkgs
  read -ra pkgs <<<"$2"
  shift 2
  cd "$repo/$dir"
  # Its modules come with the toolchain build; where pulumi came from PATH, do not download GiBs just to check.
  if ! GOPROXY=off go list "$@" -test -deps "${pkgs[@]}" >/dev/null 2>&1; then
    [ "${CI:-}" != true ] || { echo "[go-check] error: the modules of $dir are not in the module cache (run scripts/toolchain.sh)" >&2; exit 1; }
    echo "[go-check] the modules of $dir are not in the module cache (pulumi came from PATH, or another docker plugin): not checked" >&2
    return 0
  fi
  local t0=$SECONDS
  case $mode in
    lint)
      local unformatted
      unformatted=$(gofmt -l .)
      [ -z "$unformatted" ] || { echo "[go-check] not gofmt-formatted (run gofmt -w): $dir: $unformatted" >&2; exit 1; }
      go vet "$@" "${pkgs[@]}"
      ;;
    test) go test "$@" "${pkgs[@]}" ;;
  esac
  echo "[go-check] $mode $dir: ok in $((SECONDS - t0))s" >&2
}

check toolchain/providers ./...
check toolchain/command-provider ./... -trimpath # -trimpath as scripts/toolchain-command.sh builds: shares its cache
check toolchain/shparse ./...
# The bridged module shares the bridged plugin's build cache and exact flags (scripts/toolchain-bridge.sh): with any
# other flag or cache Go recompiles the Terraform provider and the bridge (~20 min on 2 cores). Its
# cmd/pulumi-resource-docker embeds the schema that the toolchain build generates, so it is built there, not here.
GOCACHE=${QUEUEKIT_BRIDGE_GOCACHE:-${QUEUEKIT_CACHE:-$HOME/.cache/queuekit}/bridge-gocache} \
  check toolchain/bridge-docker "./mapping/... ./upstream/... ./cmd/pulumi-tfgen-docker" -trimpath -tags no_compose

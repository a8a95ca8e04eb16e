#!/usr/bin/env bash
# The Go of queuekit's own provider plugins: `lint` (gofmt + go vet) or `test` (go test), in toolchain/providers.
# Without Go (a machine that uses `pulumi` and the official plugins from PATH) there is nothing of ours to check.
set -euo pipefail
mode=${1:?usage: go-check.sh lint|test}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo/toolchain/providers"
if ! command -v go >/dev/null; then
  echo "[go-check] go not on PATH: queuekit's provider plugins are not built here, so not checked" >&2
  exit 0
fi
# shellcheck source=go-env.sh
source "$repo/scripts/go-env.sh" # the toolchain build's module settings
# Their modules come with the toolchain build; where pulumi came from PATH, do not download 2 GiB just to check.
if ! GOPROXY=off go list -test -deps ./... >/dev/null 2>&1; then
  [ "${CI:-}" != true ] || { echo "[go-check] error: the providers' modules are not in the module cache (run scripts/toolchain.sh)" >&2; exit 1; }
  echo "[go-check] the providers' modules are not in the module cache (pulumi came from PATH): not checked" >&2
  exit 0
fi
case $mode in
  lint)
    unformatted=$(gofmt -l .)
    [ -z "$unformatted" ] || { echo "[go-check] not gofmt-formatted (run gofmt -w): $unformatted" >&2; exit 1; }
    go vet ./...
    ;;
  test) go test ./... ;;
  *) echo "[go-check] unknown mode $mode: use lint or test" >&2; exit 2 ;;
esac

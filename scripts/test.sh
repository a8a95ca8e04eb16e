#!/usr/bin/env bash
# npm test: bootstrap everything (npm deps, dockerd, images, Pulumi toolchain), then run every test:
# unit, policy-pack, and end-to-end through the real Pulumi CLI and Docker engine — one node:test run.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/bootstrap.sh
bash scripts/test-deps.sh
bash scripts/go-check.sh test # unit tests of our provider plugins (RPC, docker spec, command/ssh)
dirs=(dist/test/unit dist/test/e2e)
[ -d policies/dist/test ] && dirs+=(policies/dist/test)
# One file at a time: the end-to-end tests share one Docker engine and a 2-core machine.
exec node --test --test-concurrency=1 "${dirs[@]}"

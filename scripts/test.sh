#!/usr/bin/env bash
# npm test: bootstrap everything (npm deps, dockerd, images, Pulumi toolchain), then run every test:
# unit, policy-pack, and end-to-end through the real Pulumi CLI and Docker engine — one node:test run.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/bootstrap.sh
bash scripts/test-deps.sh
bash scripts/go-check.sh test # unit tests of our provider plugins (RPC, docker spec, command/ssh)
bash scripts/node-lines.sh    # unit and policy-pack tests on Node 22 and 24 (the current LTS lines)
dirs=(dist/test/unit dist/test/e2e)
[ -d policies/dist/test ] && dirs+=(policies/dist/test)
# The machine as found (kernel settings, host files, containers, images): the tests must leave it so, and with it
# any stack deployed here.
before=$(mktemp) after=$(mktemp)
trap 'rm -f "$before" "$after"' EXIT
bash scripts/host-snapshot.sh >"$before"
# One file at a time: the end-to-end tests share one Docker engine and a 2-core machine.
status=0
node --test --test-concurrency=1 "${dirs[@]}" || status=$?
bash scripts/host-snapshot.sh >"$after"
if ! diff -u --label "before npm test" --label "after npm test" "$before" "$after" >&2; then
  echo "[test] error: the tests left this machine changed (diff above: - before, + after); a test did not clean up" >&2
  [ "$status" != 0 ] || status=1
fi
exit "$status"

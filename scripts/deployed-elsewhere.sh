#!/usr/bin/env bash
# deployed-elsewhere.sh [--check] STACK: the Docker objects of queuekit stack STACK on this engine that this checkout's
# state does not hold (another checkout, or a lost state, deployed them).
#   default: prints them and exits 0; exits 1 when there are none.
#   --check (before `npm run up`): exits 0 when there are none; else prints why and the fixes to stderr, exits 2.
# Needs scripts/env.sh sourced (pulumi on PATH, PULUMI_BACKEND_URL set).
set -euo pipefail
check=false
if [ "${1:-}" = --check ]; then check=true; shift; fi
stack=${1:?usage: deployed-elsewhere.sh [--check] STACK}

objects() {
  # Resources this checkout's state holds for the stack: when it holds any, the objects on the engine are its own.
  local held
  held=$(pulumi stack ls --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const row = (JSON.parse(s || "[]") || []).find((r) => r.name === process.argv[1]);
      console.log(row && row.resourceCount ? row.resourceCount : 0);
    });' "$stack" 2>/dev/null || echo 0)
  [ "${held:-0}" -gt 0 ] && return 0
  docker info >/dev/null 2>&1 || return 0
  local label="label=queuekit.stack=$stack"
  docker ps -a --filter "$label" --format 'container {{.Names}}'
  docker network ls --filter "$label" --format 'network {{.Name}}'
  docker volume ls --filter "$label" --format 'volume {{.Name}}'
}

found=$(objects)
if ! $check; then
  [ -n "$found" ] || exit 1
  echo "$found"
  exit 0
fi
[ -z "$found" ] && exit 0
{
  echo "error: stack '$stack' is already deployed on this Docker engine, but this checkout's state (${PULUMI_BACKEND_URL:-?}) does not hold it:"
  sed 's/^/  /' <<<"$found"
  echo "Nothing was changed. Fix one of:"
  echo "  - run \`npm run destroy\` in the checkout that deployed it (same QUEUEKIT_STACK), then run this again;"
  echo "  - deploy this checkout beside it under another name: cp Pulumi.$stack.yaml Pulumi.<name>.yaml, give it free"
  echo "    ports (queuekit:redis.port, queuekit:monitoring.port), then QUEUEKIT_STACK=<name> npm run up;"
  echo "  - if no checkout holds it any more, remove what is listed above (docker rm -f / network rm / volume rm)."
} >&2
exit 2

#!/usr/bin/env bash
# deployed-elsewhere.sh STACK: prints the Docker objects of queuekit stack STACK on this engine when this checkout's
# state does not hold that stack (another checkout, or a removed state, deployed them); exits 1 when there are none.
# Needs scripts/env.sh sourced (pulumi on PATH, PULUMI_BACKEND_URL set).
set -euo pipefail
stack=${1:?usage: deployed-elsewhere.sh STACK}

# Resources this checkout's state holds for the stack: when it holds any, the objects on the engine are its own.
held=$(pulumi stack ls --json 2>/dev/null | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const row = (JSON.parse(s || "[]") || []).find((r) => r.name === process.argv[1]);
    console.log(row && row.resourceCount ? row.resourceCount : 0);
  });' "$stack" 2>/dev/null || echo 0)
[ "${held:-0}" -gt 0 ] && exit 1

docker info >/dev/null 2>&1 || exit 1
label="label=queuekit.stack=$stack"
found=$(
  docker ps -a --filter "$label" --format 'container {{.Names}}'
  docker network ls --filter "$label" --format 'network {{.Name}}'
  docker volume ls --filter "$label" --format 'volume {{.Name}}'
)
[ -n "$found" ] || exit 1
echo "$found"

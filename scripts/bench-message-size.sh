#!/usr/bin/env bash
# Benchmark: bytes of one queued Celery message (demo.add(1, 2)) with each serializer, as Redis stores it.
# Needs the local stack up (npm run up). Prints one line per serializer.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
source scripts/env.sh >/dev/null 2>&1
url=$(pulumi stack output redisUrl --show-secrets --stack "${QUEUEKIT_STACK:-local}" | sed -E 's#@redis:([0-9]+)/#@127.0.0.1:\1/#')
json=0
for ser in json msgpack; do
  bytes=$(printf '{"url": "%s", "op": "capture", "serializer": "%s"}' "$url" "$ser" |
    /usr/bin/python3 test/e2e/redis_fill.py | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["bytes"])')
  [ "$ser" = json ] && json=$bytes
  echo "$ser: $bytes B per queued message ($(awk -v a="$bytes" -v b="$json" 'BEGIN { printf "%+.1f%%", (a - b) * 100 / b }') vs json)"
done

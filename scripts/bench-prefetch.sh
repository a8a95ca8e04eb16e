#!/usr/bin/env bash
# Benchmark: how worker_prefetch_multiplier changes a late-acking prefork worker's drain of short tasks.
# A throw-away Redis + one demo worker (acks_late, reject_on_worker_lost, as the kit renders them); for each
# prefetch value the worker is paused, a queue of N light tasks is filled, the worker resumed and timed.
# Usage: npm run bench:prefetch [-- TASKS [CONCURRENCY [PREFETCH...]]]   (defaults: 2000 2 1 2 4 8 16)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
tasks=${1:-2000}
concurrency=${2:-2}
shift $(($# > 2 ? 2 : $#))
prefetches=("${@:-1 2 4 8 16}")
read -r -a prefetches <<<"${prefetches[*]}"
id=qk-bench-prefetch-$$
work=$(mktemp -d)
chmod 755 "$work" # the worker runs as nobody
cleanup() {
  docker rm -f "$id-worker" "$id-redis" >/dev/null 2>&1 || true
  docker network rm "$id" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "${QK_KEEP:-}" ] && trap - EXIT
log() { echo "[bench-prefetch] $*" >&2; }

bash scripts/bootstrap.sh >&2
bash scripts/test-deps.sh >&2
docker network create "$id" >/dev/null
docker run -d --name "$id-redis" --network "$id" -p 127.0.0.1::6379 queuekit/redis:7-local \
  redis-server --save '' --appendonly no --protected-mode no >/dev/null
port=$(docker port "$id-redis" 6379/tcp | head -1 | sed 's/.*://')
cp templates/celery/queuekit_celery.py "$work/" && chmod 644 "$work"/*.py
log "$tasks light tasks per run, prefork concurrency $concurrency, Redis on 127.0.0.1:$port"
printf '%-9s %10s %10s\n' prefetch "drain s" "tasks/s"
for prefetch in "${prefetches[@]}"; do
  cat >"$work/queuekit_celeryconfig.py" <<PY
broker_url = "redis://$id-redis:6379/0"
task_acks_late = True
task_reject_on_worker_lost = True
task_ignore_result = True
worker_prefetch_multiplier = $prefetch
PY
  docker rm -f "$id-worker" >/dev/null 2>&1 || true
  docker run -d --name "$id-worker" --network "$id" -v "$work:/etc/queuekit:ro" queuekit/celery-demo:local \
    python3 -m celery -A demo worker --pool prefork --concurrency "$concurrency" --prefetch-multiplier "$prefetch" \
    --without-mingle --without-gossip --loglevel WARNING >/dev/null
  # Ready when it has consumed a warm-up task.
  /usr/bin/python3 scripts/bench/prefetch_drain.py --port "$port" --ledger "redis://$id-redis:6379/1" \
    --worker "$id-worker" --tasks "$tasks" --prefetch "$prefetch"
done

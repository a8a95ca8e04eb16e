#!/usr/bin/env bash
# Benchmark: what a prefork Celery worker of the demo app really costs — per process RSS, PSS (shared pages
# split between sharers) and USS (private pages), and the container's cgroup usage, idle and after a load.
# Needs the local stack up (npm run up). Usage: npm run bench:worker-memory [-- TASKS]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
tasks=${1:-2000}
worker=qk-${QUEUEKIT_STACK:-local}-worker-default-0
docker inspect "$worker" >/dev/null 2>&1 || {
  echo "bench-worker-memory: no container $worker: run npm run up first" >&2
  exit 1
}

# One line per process of the worker (PID 1 is the main process, its children the pool), in KiB.
read -r -d '' probe <<'PY' || true
import os
def kib(path, keys):
    out = dict.fromkeys(keys, 0)
    with open(path) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in out:
                out[k] = int(v.split()[0])
    return out
pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
for pid in sorted(pids):
    try:
        ppid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
        if pid != 1 and ppid != 1:
            continue
        r = kib(f"/proc/{pid}/smaps_rollup", ["Rss", "Pss", "Private_Clean", "Private_Dirty"])
        role = "main" if pid == 1 else "child"
        print(role, r["Rss"], r["Pss"], r["Private_Clean"] + r["Private_Dirty"])
    except (FileNotFoundError, ProcessLookupError, IndexError):
        pass
PY

report() {
  local label=$1
  docker exec "$worker" python3 -c "$probe" | awk -v label="$label" '
    $1 == "main" { m_rss = $2; m_pss = $3; m_uss = $4 }
    $1 == "child" { n++; rss += $2; pss += $3; uss += $4 }
    END {
      printf "%-22s main  RSS %6.1f  PSS %6.1f  USS %6.1f MiB\n", label, m_rss / 1024, m_pss / 1024, m_uss / 1024
      printf "%-22s child RSS %6.1f  PSS %6.1f  USS %6.1f MiB (mean of %d)\n", "", rss / n / 1024, pss / n / 1024, uss / n / 1024, n
    }'
  printf '%-22s container %s (docker stats: cgroup usage less page cache)\n' "" \
    "$(docker stats --no-stream --format '{{.MemUsage}}' "$worker")"
}

echo "prefork worker $worker — $(docker inspect -f '{{join .Config.Cmd " "}}' "$worker" | grep -o -- '--concurrency [0-9]*')"
report "idle"
t0=$(date +%s.%N)
docker exec "$worker" python3 -c "
from celery import group
from demo import add
r = group(add.s(i, i) for i in range($tasks)).apply_async()
assert sum(r.get(timeout=600)) == $tasks * ($tasks - 1)
"
t1=$(date +%s.%N)
echo "ran $tasks add tasks in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
report "after $tasks tasks"

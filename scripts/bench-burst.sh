#!/usr/bin/env bash
# Benchmark: the untuned Celery + Redis stack a user would otherwise run and the kit's stack, side by side on
# the same emulated VPS (a parent memory cgroup), same image, same bursts, one after the other in one run.
# Prints one row per stack × burst, the no-op ceiling, and writes out/bench-burst-<memory>.{json,svg}.
#
#   npm run bench:burst [-- --memory 512MiB|1GiB|2GiB] [--scale 0.1] [--kit-set 'workers[0].prefetchMultiplier=4' ...]
#                          [--bursts clustered,stream,backlog] [--stacks kit,untuned] [--drain-timeout 3600] [--stall 300]
#                          [--calibrate scripts/bench/calibrate.yaml]   (size the kit from a measurement taken first)
#
# The kit is deployed by a real `pulumi up` of a throw-away stack (own file backend and config file, own
# container names and ports: a `local` stack you run is left alone) and destroyed at the end, also on failure
# or Ctrl-C. The untuned stack, the ledger Redis and their cgroup and network are removed too.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 2; }

memory=1GiB scale=1 bursts=clustered,stream,backlog stacks=kit,untuned drain_timeout=3600 stall=300 samples=
kit_sets=()
command_line="npm run bench:burst${*:+ -- $*}"
while [ $# -gt 0 ]; do
  case $1 in
    --memory) memory=${2:?}; shift 2 ;;
    --scale) scale=${2:?}; shift 2 ;;
    --kit-set) kit_sets+=("${2:?}"); shift 2 ;;
    --bursts) bursts=${2:?}; shift 2 ;;
    --stacks) stacks=${2:?}; shift 2 ;;
    --drain-timeout) drain_timeout=${2:?}; shift 2 ;;
    --stall) stall=${2:?}; shift 2 ;;
    --calibrate) samples=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case $memory in
  512MiB) memory_bytes=$((512 * 1024 ** 2)) size_key="queuekit:host.memory=$memory" ;;
  1GiB) memory_bytes=$((1024 ** 3)) size_key="queuekit:preset=$memory" ;;
  2GiB) memory_bytes=$((2 * 1024 ** 3)) size_key="queuekit:preset=$memory" ;;
  *) die "--memory is 512MiB, 1GiB or 2GiB, got $memory" ;;
esac
awk -v s="$scale" 'BEGIN { exit !(s > 0 && s <= 10) }' || die "--scale is a number in (0, 10], got $scale"
for kv in ${kit_sets[@]+"${kit_sets[@]}"}; do
  [[ $kv == *=* ]] || die "--kit-set takes key=value (a queuekit config path), got $kv"
done

bash scripts/bootstrap.sh
# shellcheck source=env.sh
source scripts/env.sh

run_id=$(printf '%s%04x' "$(date +%H%M%S)" $((RANDOM % 65536)))
stack=bench-$run_id
work=$(mktemp -d "${TMPDIR:-/tmp}/qk-bench-burst-XXXXXX")
driver=(/usr/bin/python3 -B scripts/bench/burst.py --work "$work" --run-id "$run_id" --memory "$memory"
  --memory-bytes "$memory_bytes" --scale "$scale" --bursts "$bursts" --drain-timeout "$drain_timeout"
  --stall "$stall")
free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ledger_port=$(free_port)
untuned_port=$(free_port)
kit_port=$(free_port)
driver+=(--ledger-port "$ledger_port")
# The throw-away stack: its own state directory, its own passphrase, its config file outside the repo.
export PULUMI_BACKEND_URL=file://$work/state PULUMI_CONFIG_PASSPHRASE=queuekit-bench-throwaway
unset PULUMI_CONFIG_PASSPHRASE_FILE
mkdir -p "$work/state"
stack_file=$work/Pulumi.$stack.yaml
kit_pulumi() { pulumi "$@" --stack "$stack" --config-file "$stack_file" --non-interactive; }
kit_output() { pulumi stack output "$@" --stack "$stack" --non-interactive; }
kit_deployed=0

cleanup() {
  local rc=$?
  trap '' INT TERM
  set +e
  log "cleaning up run $run_id"
  # Bench containers first (the ledger is attached to the kit's network: it has to go before the network).
  local ids
  ids=$(docker ps -aq --filter "label=queuekit.bench=$run_id")
  [ -n "$ids" ] && docker rm -f -v $ids >/dev/null
  if [ "$kit_deployed" = 1 ]; then
    # In its own session: a second Ctrl-C must not cancel the destroy half-way (pulumi would stop at once).
    local try destroyed=0
    for try in 1 2; do
      log "pulumi destroy of the throw-away stack $stack (try $try)"
      if setsid -w pulumi destroy --yes --skip-preview --stack "$stack" --config-file "$stack_file" \
        --non-interactive >"$work/destroy.log" 2>&1; then
        destroyed=1
        break
      fi
      tail -20 "$work/destroy.log" >&2
    done
    if [ "$destroyed" = 1 ]; then
      pulumi stack rm --yes --force --stack "$stack" --non-interactive >/dev/null 2>&1
    else
      rc=1
      log "pulumi destroy failed twice: its state is kept in $work; to finish (it reverts the host steps too):"
      log "  PULUMI_BACKEND_URL=file://$work/state PULUMI_CONFIG_PASSPHRASE=queuekit-bench-throwaway pulumi destroy --stack $stack --config-file $stack_file"
    fi
  fi
  rm -f "$repo/Pulumi.$stack.yaml"
  docker network rm "qkb-$run_id" >/dev/null 2>&1
  rmdir "/sys/fs/cgroup/memory/queuekit-bench-$run_id-untuned" 2>/dev/null
  if [ $rc -eq 0 ]; then rm -rf "$work"; else log "run $run_id failed (exit $rc); its files: $work"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "run $run_id: emulated $memory VPS, scale $scale, bursts $bursts, stacks $stacks"
"${driver[@]}" ledger

for which in ${stacks//,/ }; do
  case $which in
    kit)
      log "kit: pulumi up of the throw-away stack $stack (preset $memory, Redis on 127.0.0.1:$kit_port)"
      pulumi stack init "$stack" --non-interactive >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; exit 1; }
      # `stack init` wrote the secrets salt into the repo's Pulumi.<stack>.yaml: keep it with the rest outside.
      mv "Pulumi.$stack.yaml" "$stack_file" 2>/dev/null || true
      kit_deployed=1
      kit_pulumi config set-all --path \
        --plaintext "$size_key" \
        --plaintext "queuekit:host.cpus=2" \
        --plaintext "queuekit:host.emulate=true" \
        --plaintext "queuekit:host.connection.kind=local" \
        --plaintext "queuekit:redis.image=queuekit/redis:7-local" \
        --plaintext "queuekit:redis.activeDefrag=false" \
        --plaintext "queuekit:redis.bind=127.0.0.1" \
        --plaintext "queuekit:redis.port=$kit_port" \
        --plaintext "queuekit:workers[0].name=default" \
        --plaintext "queuekit:workers[0].image=queuekit/celery-demo:local" \
        --plaintext "queuekit:workers[0].app=demo" \
        --plaintext "queuekit:workers[0].queues[0]=celery" \
        --secret "queuekit:redisPassword=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >/dev/null
      if [ -n "$samples" ]; then
        # The kit sized from a measurement of these very calls, taken in this run (npm run calibrate).
        log "kit: npm run calibrate -- --samples $samples"
        node dist/scripts/calibrate/main.js --samples "$samples" --out "$work/profile.json" >&2
        kit_sets+=("workers[0].profile=$work/profile.json")
      fi
      for kv in ${kit_sets[@]+"${kit_sets[@]}"}; do
        kit_pulumi config set --path "queuekit:${kv%%=*}" "${kv#*=}" >/dev/null
      done
      t0=$SECONDS
      kit_pulumi up --yes --skip-preview >"$work/up.log" 2>&1 || {
        tail -40 "$work/up.log" >&2
        die "pulumi up of $stack failed"
      }
      log "kit: deployed in $((SECONDS - t0))s"
      kit_output memoryPlan --json >"$work/plan.json"
      broker=$(kit_output redisUrl --show-secrets | sed -E "s#@[^:@/]+:[0-9]+/#@127.0.0.1:$kit_port/#")
      kit_args=(--stack "$stack" --plan "$work/plan.json" --broker-url "$broker")
      for kv in ${kit_sets[@]+"${kit_sets[@]}"}; do kit_args+=(--kit-set "$kv"); done
      "${driver[@]}" kit "${kit_args[@]}"
      # The ledger leaves the kit's network before `pulumi destroy` removes it.
      docker network disconnect -f "qk-$stack" "qkb-$run_id-ledger" >/dev/null 2>&1 || true
      log "kit: pulumi destroy"
      kit_pulumi destroy --yes --skip-preview >"$work/destroy.log" 2>&1 || {
        tail -40 "$work/destroy.log" >&2
        die "pulumi destroy of $stack failed"
      }
      pulumi stack rm --yes --force --stack "$stack" --non-interactive >/dev/null
      kit_deployed=0
      ;;
    untuned)
      "${driver[@]}" untuned --redis-port "$untuned_port"
      docker rm -f -v "qkb-$run_id-redis" "qkb-$run_id-worker-0" "qkb-$run_id-worker-1" >/dev/null
      rmdir "/sys/fs/cgroup/memory/queuekit-bench-$run_id-untuned" 2>/dev/null || true
      ;;
    *) die "unknown stack $which (kit, untuned)" ;;
  esac
done

"${driver[@]}" report --out "$repo/out" --command-line "$command_line"

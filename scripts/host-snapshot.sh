#!/usr/bin/env bash
# Prints, as stable text, everything of this machine that a queuekit stack or a test may touch: kernel settings,
# drop-ins and units, swap, daemon.json, memory cgroups, and every container, network, volume and tagged image with
# its identity. `npm test` compares the text before and after its run: equal means the tests left the machine — and
# any stack deployed on it — as they found it.
set -uo pipefail

section() { printf '## %s\n' "$1"; }
value() { printf '%s = %s\n' "$1" "$(cat "$2" 2>/dev/null || echo missing)"; }

section kernel
for key in vm.overcommit_memory vm.swappiness net.core.somaxconn; do
  value "$key" "/proc/sys/$(printf '%s' "$key" | tr . /)"
done
value thp.enabled /sys/kernel/mm/transparent_hugepage/enabled
value thp.defrag /sys/kernel/mm/transparent_hugepage/defrag

section files
for dir in /etc/sysctl.d /etc/systemd/system /etc/systemd/system/basic.target.wants /var/lib/queuekit; do
  [ -d "$dir" ] && find "$dir" -maxdepth 1 -mindepth 1 -printf '%p\n' | LC_ALL=C sort
done
for file in /etc/fstab /etc/docker/daemon.json /etc/sysctl.d/90-queuekit-*.conf; do
  [ -f "$file" ] && printf '%s %s\n' "$(sha256sum <"$file" | cut -c1-16)" "$file"
done
awk 'NR > 1 { print "swap " $1 " " $3 }' /proc/swaps

section bridges
# Host bridges: a throw-away test engine (or its swarm gateway) left behind shows up here.
ip -o link show type bridge 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | LC_ALL=C sort

section cgroups
find /sys/fs/cgroup/memory -maxdepth 1 -mindepth 1 -type d -name 'queuekit*' -printf '%f\n' 2>/dev/null | LC_ALL=C sort

section docker
if docker info >/dev/null 2>&1; then
  ids=$(docker ps -aq)
  # Identity, state and restarts: a container a test restarted or replaced shows up here.
  [ -z "$ids" ] || docker inspect --format '{{.Id}} {{.Name}} {{.State.Status}} {{.RestartCount}} {{.State.StartedAt}}' $ids |
    LC_ALL=C sort
  docker network ls --format '{{.Name}}' | LC_ALL=C sort | sed 's/^/network /'
  docker volume ls --format '{{.Name}}' | LC_ALL=C sort | sed 's/^/volume /'
  docker images --filter dangling=false --format 'image {{.Repository}}:{{.Tag}} {{.ID}}' | LC_ALL=C sort
else
  echo "engine not running"
fi

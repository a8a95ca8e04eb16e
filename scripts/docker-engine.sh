#!/usr/bin/env bash
# Make sure a Docker engine answers: install Debian's docker.io when missing, start dockerd, wait for it.
set -euo pipefail

log() { printf '[engine %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[engine] error: %s\n' "$*" >&2
  exit 1
}

if docker info >/dev/null 2>&1; then
  log "Docker engine answers ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
  exit 0
fi

if ! command -v dockerd >/dev/null; then
  [ "$(id -u)" = 0 ] || die "dockerd is not installed and this is not root: install Debian's docker.io (sudo apt-get install docker.io)"
  log "installing Debian's docker.io (dockerd, containerd, runc)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq docker.io iptables >&2 || die "apt-get install docker.io failed"
fi

logf=${QUEUEKIT_DOCKERD_LOG:-/var/log/queuekit-dockerd.log}
# The default engine is the one with the default pid file (other dockerds may run with their own roots).
# A stale pid file from a previous run makes dockerd refuse to start.
if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then rm -f /var/run/docker.pid; fi
if [ ! -f /var/run/docker.pid ]; then
  log "starting dockerd (log: $logf)"
  # setsid: dockerd outlives the shell that started it (CI steps, npm scripts).
  setsid dockerd >"$logf" 2>&1 </dev/null &
fi
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "Docker engine ready: $(docker version --format '{{.Server.Version}}'), cgroup $(docker info --format '{{.CgroupVersion}} driver {{.CgroupDriver}}')"
    exit 0
  fi
  sleep 1
done
tail -n 30 "$logf" >&2 || true
die "dockerd did not answer on /var/run/docker.sock within 60s (log: $logf)"

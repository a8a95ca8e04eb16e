#!/usr/bin/env bash
# Debian packages the tests use beside the kit itself: sshd (the "VPS"), redis-server (loads rendered
# configs), python3 with Celery + redis clients (submits tasks from the host), promtool (checks the rendered
# alert rules), and a private registry with htpasswd (the image tests). Installed when missing.
set -euo pipefail
missing=()
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
/usr/bin/python3 -c 'import celery, redis, msgpack' 2>/dev/null || missing+=(python3-celery python3-redis python3-msgpack)
command -v promtool >/dev/null || missing+=(prometheus)
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v htpasswd >/dev/null || missing+=(apache2-utils)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "[test-deps] error: missing ${missing[*]}; install them: sudo apt-get install ${missing[*]}" >&2; exit 1; }
  echo "[test-deps] installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

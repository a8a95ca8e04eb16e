#!/usr/bin/env bash
# Build the local images from Debian packages (no registry needed): debootstrap a rootfs once,
# `docker import` it as the Redis, Celery and Redis-exporter images, then build the demo app on top.
# A recipe that lists its own PACKAGES (Prometheus) gets a rootfs of its own: minbase + those packages.
# Each image carries a label with the hash of its recipe and is rebuilt only when that changes.
# `scripts/images.sh prometheus` builds only the named images (images/<name>/image.env; "demo" the demo app).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${QUEUEKIT_CACHE:-$HOME/.cache/queuekit}/images
suite=${QUEUEKIT_DEBIAN_SUITE:-bookworm}
mirror=${QUEUEKIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[images] error: %s\n' "$*" >&2
  exit 1
}

docker info >/dev/null 2>&1 || die "no Docker engine answers: run scripts/docker-engine.sh (npm run engine) first"

packages=$(grep -v '^#' "$repo/images/base.packages" | xargs | tr ' ' ,)
base_key=$(printf '%s %s %s' "$packages" "$suite" "$(cat "$repo/scripts/images.sh")" | sha256sum | cut -c1-12)

label_of() { docker image inspect --format '{{ index .Config.Labels "queuekit.recipe" }}' "$1" 2>/dev/null || true; }

# The rootfs tar of a package list (comma-separated), debootstrapped once per list, suite and script.
rootfs_tar() {
  local packages=${1:-$packages} key=$base_key
  [ -z "${1:-}" ] || key=$(printf '%s %s' "$base_key" "$packages" | sha256sum | cut -c1-12)
  local tar="$cache/rootfs-$suite-$key.tar"
  if [ ! -f "$tar" ]; then
    command -v debootstrap >/dev/null || {
      log "installing debootstrap"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
    }
    mkdir -p "$cache"
    exec 9>"$cache/.rootfs.lock"
    flock 9
    if [ ! -f "$tar" ]; then
      local dir
      dir=$(mktemp -d "$cache/.rootfs-XXXX")
      log "debootstrap $suite minbase + $packages (about a minute or two)"
      debootstrap --variant=minbase --include="$packages" "$suite" "$dir" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
        {
          tail -n 20 "$cache/debootstrap.log" >&2
          die "debootstrap failed (log: $cache/debootstrap.log)"
        }
      # Smaller image: no apt lists, docs or caches; Redis data dir owned by the redis user.
      rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/* "$dir"/usr/share/doc/* "$dir"/usr/share/man/*
      if [ -z "${1:-}" ]; then
        mkdir -p "$dir/data" "$dir/usr/local/etc/redis" "$dir/app"
        chroot "$dir" chown redis:redis /data
      fi
      tar -C "$dir" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
      rm -rf "$dir"
    fi
    exec 9>&-
  fi
  echo "$tar"
}

import_image() {
  local recipe=$1 TAG CHANGES PACKAGES=
  # shellcheck disable=SC1090
  source "$recipe"
  local key
  key=$(printf '%s %s' "$base_key" "$(cat "$recipe")" | sha256sum | cut -c1-12)
  if [ "$(label_of "$TAG")" = "$key" ]; then
    log "$TAG is up to date ($key)"
    return
  fi
  local tar args=()
  tar=$(rootfs_tar "$(echo "$PACKAGES" | xargs | tr ' ' ,)")
  IFS='|' read -ra changes <<<"$CHANGES"
  for c in "${changes[@]}"; do args+=(--change "$c"); done
  log "docker import $TAG"
  docker import "${args[@]}" --change "LABEL queuekit.recipe=$key" "$tar" "$TAG" >/dev/null
}

build_demo() {
  local dir="$repo/examples/celery-demo" tag=queuekit/celery-demo:local
  [ -f "$dir/Dockerfile" ] || return 0
  local key
  key=$( (docker image inspect --format '{{.Id}}' queuekit/celery:5-local; cd "$dir" && find . -type f ! -name '*.pyc' | sort | xargs cat) | sha256sum | cut -c1-12)
  if [ "$(label_of "$tag")" = "$key" ]; then
    log "$tag is up to date ($key)"
    return
  fi
  log "docker build $tag"
  # The legacy builder needs no BuildKit and resolves FROM against local images only.
  DOCKER_BUILDKIT=0 docker build -q --label "queuekit.recipe=$key" -t "$tag" "$dir" >"$cache/build-demo.log" 2>&1 ||
    {
      cat "$cache/build-demo.log" >&2
      die "docker build $tag failed"
    }
}

t0=$SECONDS
names=("$@")
[ $# -gt 0 ] || names=(redis celery exporter prometheus demo)
for name in "${names[@]}"; do
  if [ "$name" = demo ]; then
    build_demo
  else
    [ -f "$repo/images/$name/image.env" ] || die "no recipe images/$name/image.env"
    import_image "$repo/images/$name/image.env"
  fi
done
log "images ready in $((SECONDS - t0))s"

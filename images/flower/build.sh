#!/usr/bin/env bash
# Build queuekit/flower:local: Debian's Celery and Flower's dependencies (images/flower/image.env, through
# scripts/images.sh), then the Flower and Tornado wheels pinned by hash in requirements.txt, unpacked into the image
# (a wheel is a zip of the installed files; Celery finds `celery flower` through its dist-info entry point).
# Rebuilt only when this recipe or the base image changes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${QUEUEKIT_CACHE:-$HOME/.cache/queuekit}/images
tag=queuekit/flower:local

log() { printf '[images %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

bash "$repo/scripts/images.sh" flower
key=$( (docker image inspect --format '{{.Id}}' queuekit/flower-deps:local; cat "$here/requirements.txt" "$here/Dockerfile" "$here/build.sh") | sha256sum | cut -c1-12)
if [ "$(docker image inspect --format '{{ index .Config.Labels "queuekit.recipe" }}' "$tag" 2>/dev/null || true)" = "$key" ]; then
  log "$tag is up to date ($key)"
  exit 0
fi
mkdir -p "$cache"
ctx=$(mktemp -d "$cache/.flower-XXXX")
trap 'rm -rf "$ctx"' EXIT
log "pip download $(grep -v '^#' "$here/requirements.txt" | cut -d' ' -f1 | xargs)"
python3 -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
  --platform manylinux2014_x86_64 --python-version 3.11 -r "$here/requirements.txt" -d "$ctx/wheels"
mkdir "$ctx/site"
for wheel in "$ctx"/wheels/*.whl; do python3 -m zipfile -e "$wheel" "$ctx/site"; done
cp "$here/Dockerfile" "$ctx/Dockerfile"
log "docker build $tag"
DOCKER_BUILDKIT=0 docker build -q --label "queuekit.recipe=$key" -t "$tag" "$ctx" >"$cache/build-flower.log" 2>&1 || {
  cat "$cache/build-flower.log" >&2
  exit 1
}
log "$tag: $(docker image inspect --format '{{.Size}}' "$tag") bytes"

#!/usr/bin/env bash
# Makes the image the Dockerfile starts FROM, without a container registry: Debian bookworm
# (minbase) built with debootstrap from Debian's package mirror and imported into podman as
# docker.io/library/debian:bookworm-slim. Skipped when that image is there already.
# Installs podman and debootstrap with apt-get when they are missing (needs root).
set -euo pipefail
TAG=docker.io/library/debian:bookworm-slim
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
step() { printf '\n==> %s\n' "$*"; }

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
fi
if podman image exists "$TAG"; then
  echo "$TAG is there already"
  exit 0
fi
root=$(mktemp -d /tmp/citewire-rootfs-XXXXXX)
trap 'rm -rf "$root"' EXIT
step "debootstrap bookworm (minbase) into $root"
debootstrap --variant=minbase bookworm "$root" "$MIRROR" >/dev/null
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
step "importing it as $TAG"
tar -C "$root" -c . | podman import --change 'CMD ["/bin/bash"]' - "$TAG" >/dev/null
podman image ls "$TAG"

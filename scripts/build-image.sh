#!/usr/bin/env bash
# Builds the citewire image with podman, offline except for the package registries:
# the base image comes from scripts/base-image.sh (never pulled), and on a machine that keeps
# wheels on its own disk (/opt/wheels: torch's CPU build here) the build reads them from there,
# and pip in the build trusts the CA bundle $PIP_CERT names (a TLS-intercepting proxy), if any.
# Usage: scripts/build-image.sh [TAG]   (default citewire:latest)
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${1:-citewire:latest}
scripts/base-image.sh
args=(--isolation=chroot --network=host --pull=never --format docker -t "$TAG")  # docker format keeps HEALTHCHECK
if [ -d /opt/wheels ]; then
  args+=(--volume /opt/wheels:/opt/wheels:ro --build-arg PIP_FIND_LINKS=/opt/wheels)
fi
if [ -n "${PIP_CERT:-}" ] && [ -f "$PIP_CERT" ]; then  # a proxy's CA: pip in the build trusts it too
  args+=(--volume "$PIP_CERT:/etc/citewire-build-ca.crt:ro" --build-arg PIP_CERT=/etc/citewire-build-ca.crt)
fi
printf '\n==> podman build %s\n' "$TAG"
podman build "${args[@]}" .
podman image ls "$TAG"

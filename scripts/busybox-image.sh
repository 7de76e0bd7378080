#!/usr/bin/env bash
# Builds the local image `busybox:1.36` that the docker driver's tests run (no registry is reachable
# here): Debian's static busybox in an otherwise empty rootfs, its applets installed as symlinks,
# and an /etc/passwd with nobody so tasks can drop privileges. Idempotent: does nothing when the
# image exists. Usage: scripts/busybox-image.sh [image-tag]
set -euo pipefail
tag="${1:-busybox:1.36}"

if docker image inspect "$tag" >/dev/null 2>&1; then exit 0; fi

source "$(dirname "$0")/lib/busybox-rootfs.sh"
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
busybox_rootfs "$rootfs" busybox-image
mkdir -p "$rootfs/var/www"
echo 'hello from busybox httpd' > "$rootfs/var/www/index.html"

tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/sh"]' - "$tag" >/dev/null
echo "busybox-image: built $tag"

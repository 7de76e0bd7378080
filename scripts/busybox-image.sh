#!/usr/bin/env bash
# Builds the local image `busybox:1.36` that the docker driver's tests run (no registry is reachable
# here): Debian's static busybox in an otherwise empty rootfs, its applets installed as symlinks,
# and an /etc/passwd with nobody so tasks can drop privileges. Idempotent: does nothing when the
# image exists. Usage: scripts/busybox-image.sh [image-tag]
set -euo pipefail
tag="${1:-busybox:1.36}"

if docker image inspect "$tag" >/dev/null 2>&1; then exit 0; fi

busybox="$(command -v busybox || true)"
[ -n "$busybox" ] || { echo "busybox-image: busybox is not installed (apt-get install busybox-static)" >&2; exit 1; }
# A dynamically linked busybox would need its libraries inside the image (checked when `file` exists).
if command -v file >/dev/null 2>&1 && ! LC_ALL=C file -L "$busybox" | grep -q 'statically linked'; then
  echo "busybox-image: $busybox is not statically linked (apt-get install busybox-static)" >&2; exit 1
fi

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home,var/www,proc,sys,dev}
chmod 1777 "$rootfs/tmp"
cp "$busybox" "$rootfs/bin/busybox"
# --install inside the rootfs makes absolute links to /bin/busybox that resolve in the container.
chroot "$rootfs" /bin/busybox --install -s
cat > "$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
PASSWD
cat > "$rootfs/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
echo 'hello from busybox httpd' > "$rootfs/var/www/index.html"

tar -C "$rootfs" -c . | docker import --change 'CMD ["/bin/sh"]' - "$tag" >/dev/null
echo "busybox-image: built $tag"

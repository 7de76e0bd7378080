# shellcheck shell=bash
# Shared by the scripts that build local images (no registry is reachable here): Debian's static
# busybox as the rootfs's shell and tools, and users root and nobody. Source it, then call
#   busybox_rootfs <rootfs> <script name for errors>
busybox_rootfs() {
  local rootfs="$1" who="$2" busybox
  busybox="$(command -v busybox || true)"
  [ -n "$busybox" ] || { echo "$who: busybox is not installed (apt-get install busybox-static)" >&2; return 1; }
  # A dynamically linked busybox would need its libraries inside the image (checked when `file` exists).
  if command -v file >/dev/null 2>&1 && ! LC_ALL=C file -L "$busybox" | grep -q 'statically linked'; then
    echo "$who: $busybox is not statically linked (apt-get install busybox-static)" >&2; return 1
  fi
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home,proc,sys,dev}
  chmod 1777 "$rootfs/tmp"
  cp "$busybox" "$rootfs/bin/busybox"
  # --install inside the rootfs makes absolute links to /bin/busybox that resolve in the container;
  # it never replaces a file already there (such as node).
  chroot "$rootfs" /bin/busybox --install -s
  cat > "$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
PASSWD
  cat > "$rootfs/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
}

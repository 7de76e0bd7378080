#!/usr/bin/env bash
# Builds a local stand-in for the public Node.js image, for building the nomadish image where no
# registry is reachable: this machine's node binary with the shared libraries it links, npm, and
# Debian's static busybox as the shell for RUN steps, in an otherwise empty rootfs. Like
# node:20-bookworm-slim it is glibc-based, so the same native addons (classic-level) load in both.
# Idempotent: does nothing when the image exists and was made from the same node version.
# Usage: scripts/node-base-image.sh [image-tag]      (prints the tag it built or found)
set -euo pipefail
tag="${1:-nomadish-node-base:local}"

node="$(command -v node || true)"
[ -n "$node" ] || { echo "node-base-image: node is not installed" >&2; exit 1; }
node="$(readlink -f "$node")"
version="$("$node" --version)"

existing="$(docker image inspect --format '{{index .Config.Labels "org.nomadish.node-version"}}' "$tag" 2>/dev/null || true)"
if [ "$existing" = "$version" ]; then echo "$tag"; exit 0; fi

busybox="$(command -v busybox || true)"
[ -n "$busybox" ] || { echo "node-base-image: busybox is not installed (apt-get install busybox-static)" >&2; exit 1; }
if command -v file >/dev/null 2>&1 && ! LC_ALL=C file -L "$busybox" | grep -q 'statically linked'; then
  echo "node-base-image: $busybox is not statically linked (apt-get install busybox-static)" >&2; exit 1
fi
# npm (the image's build stage prunes dev dependencies with it): where the npm command points,
# else beside node's global modules.
npm_cli="$(readlink -f "$(command -v npm || echo "$(dirname "$node")/../lib/node_modules/npm/bin/npm-cli.js")")"
npm_dir="$(dirname "$(dirname "$npm_cli")")"
[ -f "$npm_dir/bin/npm-cli.js" ] && [ -f "$npm_dir/bin/npx-cli.js" ] || { echo "node-base-image: npm not found (looked in $npm_dir)" >&2; exit 1; }

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,usr/lib/node_modules,etc,tmp,root,home,proc,sys,dev}
chmod 1777 "$rootfs/tmp"

# node and every library the dynamic loader resolves for it, at the same paths as on this machine.
cp "$node" "$rootfs/usr/bin/node"
ldd "$node" | grep -o '/[^ ]*' | sort -u | while read -r lib; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done

cp -a "$npm_dir" "$rootfs/usr/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/bin/npx"

cp "$busybox" "$rootfs/bin/busybox"
# --install inside the rootfs makes absolute links to /bin/busybox (sh, env, id, …) that resolve in
# the container; node is already in place, so nothing shadows it.
chroot "$rootfs" /bin/busybox --install -s

cat > "$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$rootfs/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin' \
  --change "LABEL org.nomadish.node-version=$version" \
  --change 'CMD ["node"]' - "$tag" >/dev/null
echo "$tag"

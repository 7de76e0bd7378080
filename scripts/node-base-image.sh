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

# npm (the image's build stage prunes dev dependencies with it): where the npm command points,
# else beside node's global modules.
npm_cli="$(readlink -f "$(command -v npm || echo "$(dirname "$node")/../lib/node_modules/npm/bin/npm-cli.js")")"
npm_dir="$(dirname "$(dirname "$npm_cli")")"
[ -f "$npm_dir/bin/npm-cli.js" ] && [ -f "$npm_dir/bin/npx-cli.js" ] || { echo "node-base-image: npm not found (looked in $npm_dir)" >&2; exit 1; }

source "$(dirname "$0")/lib/busybox-rootfs.sh"
rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{usr/local/bin,usr/lib/node_modules,usr/bin}

# node and every library the dynamic loader resolves for it, at the same paths as on this machine.
cp "$node" "$rootfs/usr/bin/node"
ldd "$node" | grep -o '/[^ ]*' | sort -u | while read -r lib; do
  mkdir -p "$rootfs$(dirname "$lib")"
  cp -L "$lib" "$rootfs$lib"
done

cp -a "$npm_dir" "$rootfs/usr/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/bin/npx"

# node is in place first, so no busybox applet shadows it.
busybox_rootfs "$rootfs" node-base-image

tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin' \
  --change "LABEL org.nomadish.node-version=$version" \
  --change 'CMD ["node"]' - "$tag" >/dev/null
echo "$tag"

# Production image of nomadish: `nomadish` is the entrypoint, so `docker run IMAGE agent -dev`,
# `docker run IMAGE version` and every other command work as with Nomad's image.
#
# Build from an installed and built checkout (`npm ci` runs the build; or `npm run build`):
#   docker build -t nomadish .
#   docker build --build-arg BASE_IMAGE=nomadish-node-base:local -t nomadish .   # no registry
# (scripts/node-base-image.sh makes that local base from this machine's node.)
#
# Why the checkout's node_modules and dist are used rather than `npm ci` + `npm run build` in a
# build stage: that needs the npm registry from inside `docker build`, which our CI machines do
# not reach, and the TypeScript build with its protobuf generation (buf) would run again from
# scratch on every change. The JavaScript in dist/ is platform-independent and classic-level's
# native addon ships prebuilt for every platform, so a build made on the host runs in the image;
# dev dependencies (buf, TypeScript, eslint, ava) are pruned without network.

# A glibc-based Node.js 20 image with npm and a POSIX shell.
ARG BASE_IMAGE=node:20-bookworm-slim

# Stage 1: the production dependencies and the compiled program, checked to start.
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# node_modules changes less often than dist/, so its pruned layer stays cached between builds.
COPY node_modules ./node_modules
RUN npm prune --omit=dev --offline --ignore-scripts --no-audit --no-fund
COPY bin ./bin
COPY dist ./dist
# Fails the build when dist/ is missing or a runtime dependency was pruned away.
RUN node bin/nomadish.js version

# Stage 2: the runtime — the base image, the program and its data volume.
FROM ${BASE_IMAGE}
# A fixed uid/gid so volumes can be prepared on the host. The entries are written directly so the
# same step works on Debian's image and on a busybox one.
RUN echo 'nomadish:x:10001:10001:nomadish:/var/lib/nomadish:/bin/false' >> /etc/passwd \
 && echo 'nomadish:x:10001:' >> /etc/group \
 && mkdir -p /var/lib/nomadish \
 && chown 10001:10001 /var/lib/nomadish
COPY --from=build /app /app
ENV NODE_ENV=production
# Raft log, state store and client state; the volume keeps them across container restarts.
VOLUME /var/lib/nomadish
WORKDIR /var/lib/nomadish
# The gRPC port of a server (clients and other servers connect to it).
EXPOSE 4647
# Servers need no privileges. A client that runs exec tasks needs root (namespaces, cgroups,
# chroot), and docker tasks need the engine's socket, so run clients as, for example:
#   docker run --user root --privileged --init -v /var/run/docker.sock:/var/run/docker.sock \
#     -v /sys/fs/cgroup:/sys/fs/cgroup IMAGE agent -client -servers ... -data-dir /var/lib/nomadish
USER nomadish
ENTRYPOINT ["node", "/app/bin/nomadish.js"]
# Without arguments: a one-process server and client, listening on every interface of the
# container so `-p 4647:4647` reaches it.
CMD ["agent", "-dev", "-bind", "0.0.0.0", "-data-dir", "/var/lib/nomadish"]

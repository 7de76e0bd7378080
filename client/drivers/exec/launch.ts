// The command line that starts an exec task. Three steps, each for a reason:
//  1. a shell joins the task's cgroups and execs unshare, so every later process is accounted for;
//  2. unshare makes new pid, mount, uts and ipc namespaces and mounts a /proc for them in the root;
//  3. a shell, pid 1 of the new namespace and still root, binds the host directories read-only into
//     the root, chroots into it as the task's user, and records the command's exit status.
// Being pid 1, that last shell ignores signals it has no handler for, so a SIGTERM for the task
// goes to its child (the command); when the shell exits the kernel kills whatever the task left.

export interface LaunchSpec {
  unshare: string;
  cgroupProcsFiles: string[];
  root: string;
  allocDir: string;
  exitFile: string;
  uid: number;
  gid: number;
  /** Host directories (under /) to bind read-only at the same place in the root. */
  binds: string[];
  command: string;
  args: string[];
}

const JOIN_CGROUPS = `while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"`;

const INIT = `
_nx_root=$1 _nx_alloc=$2 _nx_exit=$3 _nx_user=$4 _nx_binds=$5
shift 5
_nx_path=$PATH
PATH=/usr/sbin:/usr/bin:/sbin:/bin
_nx_chroot=$(command -v chroot)
fail() { echo "nomadish exec: $*" >&2; exit 125; }
for d in $_nx_binds; do
  mount --bind "/$d" "$_nx_root/$d" && mount -o remount,bind,ro "$_nx_root/$d" || fail "cannot bind /$d into the task's root"
done
mount -t tmpfs -o mode=755,nosuid,size=1m tmpfs "$_nx_root/dev" || fail "cannot mount the task's /dev"
for n in null zero full random urandom tty; do
  : > "$_nx_root/dev/$n" && mount --bind "/dev/$n" "$_nx_root/dev/$n" || fail "cannot bind /dev/$n"
done
ln -s /proc/self/fd "$_nx_root/dev/fd"
ln -s /proc/self/fd/0 "$_nx_root/dev/stdin"
ln -s /proc/self/fd/1 "$_nx_root/dev/stdout"
ln -s /proc/self/fd/2 "$_nx_root/dev/stderr"
mkdir "$_nx_root/dev/shm" && mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$_nx_root/dev/shm" || fail "cannot mount /dev/shm"
mount --bind "$_nx_alloc" "$_nx_root/alloc" || fail "cannot bind the allocation directory"
PATH=$_nx_path
"$_nx_chroot" --userspec="$_nx_user" "$_nx_root" "$@"
_nx_status=$?
echo "$_nx_status" > "$_nx_exit"
exit "$_nx_status"
`;

/** The program and arguments to spawn (with the task's env, cwd anywhere, stdout/stderr as files). */
export function launchCommand(spec: LaunchSpec): [string, string[]] {
  return [
    "/bin/sh",
    [
      "-c", JOIN_CGROUPS, "nomadish-exec", ...spec.cgroupProcsFiles, "--",
      spec.unshare, "--pid", "--mount", "--uts", "--ipc", "--fork", `--mount-proc=${spec.root}/proc`,
      "/bin/sh", "-c", INIT, "nomadish-exec-init",
      spec.root, spec.allocDir, spec.exitFile, `${spec.uid}:${spec.gid}`, spec.binds.join(" "),
      spec.command, ...spec.args,
    ],
  ];
}

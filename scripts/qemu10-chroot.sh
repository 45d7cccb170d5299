#!/bin/sh
# A second, newer real QEMU for the version-profile test: Debian 13's QEMU 10.0 in a chroot made by
# debootstrap (about 30 s, 400 MB), never an apt source on this machine. Idempotent.
# Prints the path of a wrapper that runs the chroot's qemu-system-x86_64 (for spec.qemu.binary).
# usage: sh scripts/qemu10-chroot.sh [DIR]   (default /var/tmp/colo-qemu10)
set -eu
DIR=${1:-${COLO_QEMU10_DIR:-/var/tmp/colo-qemu10}}
R=$DIR/root
if [ ! -x "$R/usr/bin/qemu-system-x86_64" ]; then
  command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  mkdir -p "$DIR"
  debootstrap --variant=minbase --include=qemu-system-x86,qemu-utils trixie "$R" http://deb.debian.org/debian >"$DIR/debootstrap.log" 2>&1 ||
    { tail -5 "$DIR/debootstrap.log" >&2; exit 1; }
fi
# QEMU inside needs /proc, /dev, /sys; QMP sockets and images live under /tmp, seen from both sides
for d in proc dev sys tmp; do
  mountpoint -q "$R/$d" || mount --bind "/$d" "$R/$d"
done
cat >"$DIR/qemu-system-x86_64" <<WRAP
#!/bin/sh
exec chroot "$R" qemu-system-x86_64 "\$@"
WRAP
chmod +x "$DIR/qemu-system-x86_64"
echo "$DIR/qemu-system-x86_64"

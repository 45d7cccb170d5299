#!/bin/sh
# Another real QEMU for the version tests: Debian 13's QEMU in a chroot made by debootstrap, never an
# apt source on this machine. Idempotent; a finished root is reused.
#   sh scripts/qemu-chroot.sh 10.0   → Debian 13 (trixie): QEMU 10.0.x   (about 30 s, 400 MB)
#   sh scripts/qemu-chroot.sh 11.1   → trixie-backports:   QEMU 11.1.x   (about 80 s, 1.7 GB)
# The Debian mirror is the one this machine's own apt sources use. Prints the path of a wrapper that
# runs the chroot's qemu-system-x86_64 (for spec.qemu.binary); qemu-img beside it.
# DIR defaults to /var/tmp/colo-qemu<major><minor> (COLO_QEMU_CHROOT_BASE overrides /var/tmp).
set -eu
WANT=${1:?usage: qemu-chroot.sh 10.0|11.1 [DIR]}
case "$WANT" in
  10.0) SUITE=trixie; BACKPORTS="" ;;
  11.1) SUITE=trixie; BACKPORTS=trixie-backports ;;
  *) echo "qemu-chroot.sh: unknown QEMU $WANT (10.0 or 11.1)" >&2; exit 1 ;;
esac
DIR=${2:-${COLO_QEMU_CHROOT_BASE:-/var/tmp}/colo-qemu$(echo "$WANT" | tr -d .)}
R=$DIR/root

# the machine's own Debian mirror: the first deb URI in its apt sources that serves Debian's main archive
mirror() {
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] && awk '/^URIs:/ {print $2}' "$f"
  done | grep -v -- '-security' | grep '/debian/*$' | head -n 1
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] && awk '$1 == "deb" {for (i = 2; i <= NF; i++) if ($i !~ /^\[/) {print $i; break}}' "$f"
  done | grep -v -- '-security' | grep '/debian/*$' | head -n 1
}
if [ ! -x "$R/usr/bin/qemu-system-x86_64" ] || [ ! -e "$DIR/ready" ]; then
  M=$(mirror | head -n 1)
  [ -n "$M" ] || { echo "qemu-chroot.sh: no Debian mirror in this machine's apt sources" >&2; exit 1; }
  command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  rm -rf "$DIR"; mkdir -p "$DIR"
  debootstrap --variant=minbase "$SUITE" "$R" "$M" >"$DIR/debootstrap.log" 2>&1 || { tail -5 "$DIR/debootstrap.log" >&2; exit 1; }
  printf 'deb %s %s main\n' "$M" "$SUITE" >"$R/etc/apt/sources.list"
  [ -z "$BACKPORTS" ] || printf 'deb %s %s main\n' "$M" "$BACKPORTS" >>"$R/etc/apt/sources.list"
  rm -f "$R"/etc/apt/sources.list.d/*
  for d in proc dev sys; do mountpoint -q "$R/$d" || mount --bind "/$d" "$R/$d"; done
  T=""; [ -z "$BACKPORTS" ] || T="-t $BACKPORTS"
  chroot "$R" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $T qemu-system-x86 qemu-utils" >"$DIR/apt.log" 2>&1 ||
    { tail -5 "$DIR/apt.log" >&2; exit 1; }
  chroot "$R" apt-get clean
  touch "$DIR/ready"
fi
# QEMU inside needs /proc, /dev, /sys; QMP sockets and images live under /tmp, seen from both sides
for d in proc dev sys tmp; do
  mountpoint -q "$R/$d" || mount --bind "/$d" "$R/$d"
done
for b in qemu-system-x86_64 qemu-img; do
  printf '#!/bin/sh\nexec chroot %s %s "$@"\n' "$R" "$b" >"$DIR/$b"
  chmod +x "$DIR/$b"
done
echo "$DIR/qemu-system-x86_64"

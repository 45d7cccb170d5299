#!/bin/sh
# The recipe of the COLO test guest: kernel (Debian's linux-source-6.1 + pvm-guest.patch +
# kconfig.frag) and a busybox-static initramfs (init, stream.sh). Builds into OUT and leaves there
# vmlinuz and initrd.gz; the build tree under OUT is removed whatever happens. Run by build.sh,
# which caches the result by the hash of this file and the other inputs: edit this file (or any
# input) and the next build.sh makes a new guest.
#   sh guest/recipe.sh OUT
set -eu

G=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: recipe.sh OUT}
say() { echo "guest-build: $*"; }

# ---- build tools: install only what is missing --------------------------------------
MISSING=
need() { # need <package> <command-or-absolute-path>
	case $2 in
	/*) [ -e "$2" ] || MISSING="$MISSING $1" ;;
	*) command -v "$2" >/dev/null 2>&1 || MISSING="$MISSING $1" ;;
	esac
}
need gcc gcc
need make make
need flex flex
need bison bison
need bc bc
need xz-utils xz
need patch patch
need libc6-dev /usr/include/stdio.h
need libelf-dev /usr/include/libelf.h
APT_UPDATED=
apt_update() { [ -n "$APT_UPDATED" ] || { apt-get update; APT_UPDATED=1; }; }
if [ -n "$MISSING" ]; then
	say "installing build tools:$MISSING"
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $MISSING
fi

# ---- build tree (under the output dir, removed at the end whatever happens) ----------
B=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$B"' EXIT
trap 'exit 130' INT TERM
START=$(date +%s)

say "downloading linux-source-6.1 busybox-static"
mkdir "$B/debs"
# (root-owned build tree: download as root instead of apt's _apt sandbox user)
download() { (cd "$B/debs" && apt-get -o APT::Sandbox::User=root download linux-source-6.1 busybox-static); }
download || { apt_update; download; }
for d in "$B"/debs/*.deb; do
	say "  $(dpkg-deb -f "$d" Package) $(dpkg-deb -f "$d" Version)"
	dpkg-deb -x "$d" "$B/pkg"
done

say "extracting kernel source"
tar -C "$B" -xJf "$B/pkg/usr/src/linux-source-6.1.tar.xz"
K=$B/linux-source-6.1
cd "$K"
patch -p1 --forward --batch --no-backup-if-mismatch < "$G/pvm-guest.patch"

say "configuring (tinyconfig + kconfig.frag)"
make tinyconfig >/dev/null
./scripts/kconfig/merge_config.sh -m .config "$G/kconfig.frag" >/dev/null
make olddefconfig >/dev/null
# every option the fragment turns on must have survived olddefconfig
grep '^CONFIG_.*=[^n]' "$G/kconfig.frag" | while IFS= read -r line; do
	grep -qxF "$line" .config || say "warning: not in final .config: $line"
done
# and every option it turns off must be off (unset or absent)
sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=n$/\1/p' "$G/kconfig.frag" | while IFS= read -r opt; do
	! grep -q "^$opt=" .config || say "warning: still on in final .config: $opt"
done

say "building kernel with $(nproc) jobs (log: build tree, tail shown on failure)"
if ! make -j"$(nproc)" bzImage >"$B/kernel.log" 2>&1; then
	tail -n 40 "$B/kernel.log"
	say "kernel build failed"
	exit 1
fi
KREL=$(make -s kernelrelease)

say "packing initramfs"
gcc -O2 -o "$B/gen_init_cpio" usr/gen_init_cpio.c
BB=$B/pkg/bin/busybox
L=$B/initramfs.list
{
	echo "dir /bin 755 0 0"
	echo "dir /sbin 755 0 0"
	for d in dev proc sys tmp www; do echo "dir /$d 755 0 0"; done
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "nod /dev/null 666 0 0 c 1 3"
	echo "file /bin/busybox $BB 755 0 0"
	echo "file /init $G/init 755 0 0"
	echo "file /bin/stream.sh $G/stream.sh 755 0 0"
	for a in $("$BB" --list); do   # every applet as /bin/<applet> (PATH=/bin:/sbin)
		case $a in busybox | stream.sh) continue ;; esac
		echo "slink /bin/$a busybox 777 0 0"
	done
} >"$L"
"$B/gen_init_cpio" -t 0 "$L" | gzip -9 -n >"$B/initrd.gz"

mv -f "$K/arch/x86/boot/bzImage" "$OUT/vmlinuz"
mv -f "$B/initrd.gz" "$OUT/initrd.gz"
say "built kernel $KREL in $(($(date +%s) - START)) s"

#!/bin/sh
# Build the COLO test guest (vmlinuz + initrd.gz) once per machine, cached by the hash of its inputs
# (recipe.sh, pvm-guest.patch, kconfig.frag, init, stream.sh) in a directory every clone shares:
#
#   sh guest/build.sh                    -> /var/tmp/colo-guest/<hash>/{vmlinuz,initrd.gz}
#   COLO_GUEST_DIR=/some/dir sh guest/build.sh   -> /some/dir/<hash>/...
#
# A guest built from the same inputs is reused, whichever clone built it; two builds at once wait
# for each other (flock), and a guest appears in its directory only complete. The last two lines
# printed are always "kernel: PATH" and "initrd: PATH". The build itself (recipe.sh) installs
# missing build tools with apt-get and needs root: about 4-7 minutes on 2 cores. See README.md.
set -eu

G=$(cd "$(dirname "$0")" && pwd)
BASE=${COLO_GUEST_DIR:-/var/tmp/colo-guest}
INPUTS="recipe.sh pvm-guest.patch kconfig.frag init stream.sh"
HASH=$(cd "$G" && sha256sum $INPUTS | sha256sum | cut -c1-16)
OUT=$BASE/$HASH

say() { echo "guest-build: $*"; }
done_msg() {
	say "$1"
	echo "kernel: $OUT/vmlinuz"
	echo "initrd: $OUT/initrd.gz"
}
cached() { [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.gz" ]; }

if cached; then
	done_msg "up to date (cached, inputs $HASH)"
	exit 0
fi
mkdir -p "$BASE"
# one build at a time per machine: a second caller waits, then finds the guest built
exec 9>"$BASE/.lock"
flock 9
if cached; then
	done_msg "built meanwhile by another build (inputs $HASH)"
	exit 0
fi
T=$(mktemp -d "$BASE/$HASH.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
sh "$G/recipe.sh" "$T"
rm -rf "$OUT"
mv "$T" "$OUT"
trap - EXIT
done_msg "built (inputs $HASH)"

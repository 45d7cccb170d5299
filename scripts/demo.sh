#!/bin/sh
# npm run demo: a real local COLO pair — plan, apply, status, a converged plan — then stop it.
# Installs what is missing (QEMU from Debian, npm packages), builds, runs under KVM where /dev/kvm
# exists (checkpoints every second) and under TCG elsewhere (checkpoints off: this QEMU deadlocks at
# the first checkpoint under TCG). `npm run demo -- --guest` shows a real guest surviving a failover.
set -eu
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
need=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need="$need qemu-system-x86"
command -v qemu-img >/dev/null 2>&1 || need="$need qemu-utils"
if [ -n "$need" ]; then
  say "installing$need"
  if [ "$(id -u)" != 0 ]; then echo "run as root, or: sudo apt-get install$need" >&2; exit 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need
fi
[ -d node_modules ] || { say "npm ci"; npm ci --no-audit --no-fund; }
say "build"
npm run -s build

if [ "${1:-}" = "--guest" ]; then exec node dist/bundle/demo-guest.mjs; fi

DIR=${COLO_DEMO_DIR:-/tmp/colo-demo}
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  ACCEL=kvm; DELAY=1000
  echo "KVM is available: checkpoints every ${DELAY} ms"
else
  ACCEL=tcg; DELAY=3600000
  echo "no /dev/kvm: running under TCG with checkpoints off (x-checkpoint-delay one hour)."
  echo "QEMU 7.2 under TCG deadlocks at its first COLO checkpoint; setup, failover and resume work."
fi
mkdir -p "$DIR"
SPEC="$DIR/pair.yaml"
sed -e "s/accel: kvm/accel: $ACCEL/" -e "s/checkpointDelayMs: 2000/checkpointDelayMs: $DELAY/" -e "s#/tmp/colo-demo#$DIR#g" examples/pair.yaml > "$SPEC"
export COLO_STATE_DIR="$DIR/state"
colo() { bin/colo "$@"; }
cleanup() {
  say "colo stop"
  colo stop -f "$SPEC" --node a || true
  colo stop -f "$SPEC" --node b || true
}
trap cleanup EXIT INT TERM

say "colo launch (both nodes, daemonized)"
colo launch -f "$SPEC" --node a
colo launch -f "$SPEC" --node b
say "colo plan"
colo plan -f "$SPEC"
say "colo apply --auto-approve"
colo apply -f "$SPEC" --auto-approve
if [ "$ACCEL" = kvm ]; then
  say "colo status --sample 3000 (counting checkpoints)"
  colo status -f "$SPEC" --sample 3000
else
  say "colo status"
  colo status -f "$SPEC"
fi
say "colo plan --detailed-exitcode (converged: exit 0)"
set +e
colo plan -f "$SPEC" --detailed-exitcode
code=$?
set -e
echo "exit code: $code"
[ "$code" = 0 ]

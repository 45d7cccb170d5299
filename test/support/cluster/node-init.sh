#!/bin/sh
# PID 1 of one emulated host of the Pacemaker test cluster (test/support/cluster.ts starts it inside
# the host's network namespace, with new mount, IPC, UTS and PID namespaces). It gives the host its own
# name, /run, /dev/shm, Pacemaker and Corosync state, temp dir (the pair lock lives there) and colo state,
# adds the test's OCF agents and fence agent beside the system's, and runs corosync and pacemakerd in
# the foreground, and corosync-qdevice beside corosync when corosync.conf names a quorum device. Fencing is a poison pill, as SBD does it: when ND/poison appears, every process of
# this host is SIGKILLed at once (QEMU included). ND/alive.lock stays locked while this host lives.
# Usage: node-init.sh NODE ROOT
set -eu
NODE=$1; ROOT=$2; ND=$ROOT/nodes/$NODE
hostname "$NODE"
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
for d in lib/pacemaker lib/corosync log/pacemaker log/corosync; do mount --bind "$ND/$d" "/var/$d"; done
mount --bind "$ND/etc-corosync" /etc/corosync
mount -t overlay overlay -o "lowerdir=$ROOT/agents:/usr/lib/ocf/resource.d" /usr/lib/ocf/resource.d
mount -t overlay overlay -o "lowerdir=$ROOT/fence:/usr/sbin" /usr/sbin
mkdir -p /run/resource-agents /run/crm
ip link set lo up
export TMPDIR="$ND/tmp" COLO_STATE_DIR="$ND/state" COLO_CACHE_DIR="$ROOT/cache" COLO_CLUSTER_ROOT="$ROOT"
export PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none
# COLO_PCMK_DEBUG=DAEMONS (e.g. pacemaker-controld): those daemons' debug lines too, for a failover's timeline
[ -z "${COLO_PCMK_DEBUG:-}" ] || export PCMK_debug="$COLO_PCMK_DEBUG"
CORO=; PCMKD=; QDEV=
stop_all() {
  [ -n "$PCMKD" ] && kill -TERM "$PCMKD" 2>/dev/null && wait "$PCMKD" 2>/dev/null || true
  [ -n "$QDEV" ] && kill -TERM "$QDEV" 2>/dev/null && wait "$QDEV" 2>/dev/null || true
  [ -n "$CORO" ] && kill -TERM "$CORO" 2>/dev/null && wait "$CORO" 2>/dev/null || true
  kill -KILL -1 2>/dev/null || true
  exit 0
}
trap stop_all TERM INT
corosync -f >"$ND/corosync.stdout" 2>&1 & CORO=$!
i=0
while [ $i -lt 100 ] && ! corosync-cmapctl -g runtime.votequorum.this_node_id >/dev/null 2>&1; do sleep 0.1; i=$((i+1)); done
if grep -q 'model: net' /etc/corosync/corosync.conf; then
  mkdir -p /run/corosync-qdevice
  corosync-qdevice -f -d >"$ND/qdevice.log" 2>&1 & QDEV=$!
fi
pacemakerd -f >"$ND/pacemakerd.stdout" 2>&1 & PCMKD=$!
exec 9>"$ND/alive.lock"; flock 9
while kill -0 "$CORO" 2>/dev/null && kill -0 "$PCMKD" 2>/dev/null; do
  if [ -e "$ND/poison" ]; then kill -KILL -1; exit 137; fi
  sleep 0.05
done
stop_all

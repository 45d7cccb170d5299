#!/bin/sh
# PID 1 of the test cluster's quorum-device host (test/support/cluster.ts starts it inside the host's
# network namespace, with new mount, IPC, UTS and PID namespaces, like the cluster's hosts): its own
# name and /run, and corosync-qnetd in the foreground, listening on ADDR without TLS (the test's switch
# is a bridge between namespaces; real hosts use TLS: README, "Pacemaker"). ND/alive.lock stays locked
# while this host lives. Usage: qnetd-init.sh NODE ROOT ADDR
set -eu
NODE=$1; ROOT=$2; ADDR=$3; ND=$ROOT/nodes/$NODE
hostname "$NODE"
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/corosync-qnetd
ip link set lo up
exec 9>"$ND/alive.lock"; flock 9
corosync-qnetd -f -d -s off -4 -l "$ADDR" >"$ND/qnetd.log" 2>&1 & QNETD=$!
trap 'kill -KILL -1 2>/dev/null; exit 0' TERM INT
wait "$QNETD" || true
kill -KILL -1 2>/dev/null || true

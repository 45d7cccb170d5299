#!/bin/sh
# Watches the test process that made a test cluster; once it is gone, however it ended (SIGKILL
# included), kills every host by its recorded init PID and the namespace holders, deletes the
# namespaces and the cluster's directory. Usage: reaper.sh TEST_PID ROOT NAMESPACE...
TEST=$1; ROOT=$2; shift 2
while kill -0 "$TEST" 2>/dev/null && [ ! -e "$ROOT/down" ]; do sleep 1; done
for f in "$ROOT"/nodes/*/init.pid "$ROOT"/holders.pids; do
  [ -r "$f" ] || continue
  for p in $(cat "$f"); do kill -KILL "$p" 2>/dev/null; done
done
for ns in "$@"; do ip netns del "$ns" 2>/dev/null; done
[ -e "$ROOT/down" ] || rm -rf "$ROOT"

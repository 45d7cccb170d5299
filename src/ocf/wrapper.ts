// The OCF wrapper Pacemaker runs (the project's ocf/colo, kept identical by a unit test) and the
// agent's meta-data. `colo ocf install` writes the wrapper with COLO_DEFAULT set to this CLI.

export const OCF_WRAPPER = `#!/bin/sh
# OCF resource agent for a QEMU COLO pair (ocf:colo:colo). Every action is \`colo ocf ACTION\`, the
# same core as the colo CLI. Parameters: spec (the pair's YAML), node (this host's node in it;
# default \`crm_node -n\`), journal (optional). Install: colo ocf install [--dir DIR] [--spec FILE]
# (--spec: the spec when the resource names none).
COLO_DEFAULT=colo
SPEC_DEFAULT=
COLO="\${OCF_RESKEY_colo:-$COLO_DEFAULT}"
[ -n "\${OCF_RESKEY_spec:-}" ] || [ -z "$SPEC_DEFAULT" ] || { OCF_RESKEY_spec=$SPEC_DEFAULT; export OCF_RESKEY_spec; }
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export PATH
if ! command -v "$COLO" >/dev/null 2>&1; then
  echo "ocf:colo:colo: $COLO not found (reinstall with colo ocf install, or set the colo parameter)" >&2
  [ "\${1:-}" = meta-data ] && exit 0
  exit 5
fi
# the notifications colo ocf acts on: post-start and post-promote on the node that runs the guest
# (promoted, or being promoted), post-stop on the node promoted already (a primary whose secondary
# stopped continues alone; a secondary about to be promoted has nothing to do before its promote).
# The others answer here at once, without starting the CLI, so that a failover does not wait for them.
if [ "\${1:-}" = notify ]; then
  promoted="\${OCF_RESKEY_CRM_meta_notify_promoted_uname:-\${OCF_RESKEY_CRM_meta_notify_master_uname:-}}"
  case "\${OCF_RESKEY_CRM_meta_notify_type:-}-\${OCF_RESKEY_CRM_meta_notify_operation:-}" in
    post-start|post-promote) promoted="$promoted \${OCF_RESKEY_CRM_meta_notify_promote_uname:-}" ;;
    post-stop) ;;
    *) exit 0 ;;
  esac
  me="\${OCF_RESKEY_node:-\${OCF_RESKEY_CRM_meta_on_node:-$(crm_node -n 2>/dev/null || uname -n)}}"
  case " $promoted " in
    *" $me "*) ;;
    *) exit 0 ;;
  esac
fi
exec "$COLO" ocf "\${1:-}"
`;

/** The OCF meta-data: parameters, actions and the timeouts to start from (README: "Pacemaker"). */
export function ocfMetaData(): string {
  return `<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="colo" version="0.1.0">
<version>1.0</version>
<longdesc lang="en">
A QEMU COLO pair as a promotable clone: the promoted instance runs the guest (COLO primary, or alone
after a failover), the unpromoted one is its COLO secondary. start launches this host's QEMU as the
secondary of a running peer, else in the spec's role waiting to be promoted; promote takes over on a
COLO secondary (the peer is fenced or stopped), sets up replication from a node waiting as primary, and
refuses a copy that never replicated; notify (post-start of the peer) resumes replication to it; demote
of the node that runs the guest is refused (QEMU has no live role swap). Promotion scores: 1000 the node
that runs the guest, 100 an in-sync secondary, 10 the spec's primary waiting, 0 a copy not replicating.
</longdesc>
<shortdesc lang="en">QEMU COLO fault-tolerant VM pair (colo)</shortdesc>
<parameters>
<parameter name="spec" unique="0" required="0">
<longdesc lang="en">The pair's YAML spec (the same file colo plan/apply read), readable on every node; default: the one colo ocf install --spec was given.</longdesc>
<shortdesc lang="en">pair spec</shortdesc>
<content type="string"/>
</parameter>
<parameter name="node" unique="0" required="0">
<longdesc lang="en">This host's node name in the spec; default: the cluster node name (crm_node -n).</longdesc>
<shortdesc lang="en">node name in the spec</shortdesc>
<content type="string" default=""/>
</parameter>
<parameter name="journal" unique="0" required="0">
<longdesc lang="en">JSON-lines journal of every QMP command the agent sends; default as colo apply.</longdesc>
<shortdesc lang="en">journal file</shortdesc>
<content type="string" default=""/>
</parameter>
<parameter name="colo" unique="0" required="0">
<longdesc lang="en">The colo CLI to run; default: the one colo ocf install was run with.</longdesc>
<shortdesc lang="en">colo CLI</shortdesc>
<content type="string" default=""/>
</parameter>
</parameters>
<actions>
<action name="start" timeout="60s"/>
<action name="stop" timeout="30s"/>
<action name="promote" timeout="30s"/>
<action name="demote" timeout="10s"/>
<action name="notify" timeout="90s"/>
<action name="monitor" depth="0" timeout="10s" interval="1s" role="Promoted"/>
<action name="monitor" depth="0" timeout="10s" interval="2s" role="Unpromoted"/>
<action name="meta-data" timeout="5s"/>
<action name="validate-all" timeout="10s"/>
</actions>
</resource-agent>
`;
}

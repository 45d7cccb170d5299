/**
 * The CLI as a V8 start-up snapshot (`node --snapshot-blob`): modules evaluated and the hot paths
 * (spec loading, planning, rendering, the QMP client) compiled once at build time, so a command
 * starts about as fast as Node itself. bin/colo uses it when it was built by the same node binary.
 */
import v8 from 'node:v8';
import { parseVersion, recordedProfile } from '../model/profile.js';
import { assumeObserved } from '../plan/assume.js';
import { buildPlan } from '../plan/build-plan.js';
import { TRANSITIONS } from '../plan/types.js';
import { renderPlanText } from '../render/plan-text.js';
import { loadSpec } from '../spec/load.js';
import { run } from './cli.js';
import { guardProcess } from './stdio.js';

const WARM_SPEC = `apiVersion: colo/v1
kind: ColoPair
metadata: {name: warm}
spec:
  nodes:
    - {name: a, role: primary,   host: 127.0.0.1, qmp: unix:/nonexistent/a.qmp, workdir: /nonexistent/a}
    - {name: b, role: secondary, host: 127.0.0.1, qmp: unix:/nonexistent/b.qmp, workdir: /nonexistent/b}
  disks: [{id: colo-disk0, size: 64M}]
  netdevs: [{id: hn0, type: user, romfile: ""}]
  hooks: {afterFailover: [{name: h, run: "true"}]}
`;

for (let i = 0; i < 3; i++) {
  const { spec } = loadSpec(WARM_SPEC, 'warm.yaml');
  loadSpec(WARM_SPEC.replace('size: 64M', 'size: 0'), 'warm.yaml');
  const profile = recordedProfile(parseVersion('7.2')!, 'kvm');
  for (const t of TRANSITIONS) renderPlanText(buildPlan(spec!, profile, assumeObserved(spec!, profile, t), { mode: 'offline' }), false);
}

v8.startupSnapshot.setDeserializeMainFunction(() => {
  guardProcess();
  // with --snapshot-blob there is no script argument: the user's arguments start at argv[1]
  // (bin/colo passes them after `--`, so node keeps none of them, --version included, for itself)
  run(process.argv.slice(1), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }).then((code) => {
    process.exitCode = code;
  });
});

// A pair set up by hand, with an independent QMP client, following QEMU's documents: the primary's
// child as QEMU 11's plain NBD node (blockdev-add nbd0) or as the replication driver (drive_add
// replication0, the older document). colo reads either as replicating: steady, no changes, exit 0.
import { describe, expect, it } from 'vitest';
import { useQemuCleanup } from '../support/qemu.js';
import { qemuTargets } from '../support/qemus.js';
import { makePair, parseJson, usePairCleanup, waitUntil } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

const PORTS = { '7.2': 44100, '10.0': 44200, '11.1': 44300 } as const;

for (const t of qemuTargets()) {
  describe.skipIf(t.missing !== '')(`QEMU ${t.line}: pairs set up by QEMU's documented sequences`, () => {
    for (const [layout, offset] of [
      ['nbd', 0],
      ['replication', 50],
    ] as const) {
      it(`the ${layout} child: steady, no changes`, async () => {
        const base = PORTS[t.line] + offset;
        const delay = t.checkpoints ? 1000 : 3_600_000;
        const pair = makePair({
          name: `doc-${layout}-${t.line.replace('.', '')}`,
          portBase: base,
          accel: t.accel,
          qemuVersion: t.line,
          binary: t.binary,
          checkpointDelayMs: delay,
        });
        for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
        const caps = (t.line === '11.1' ? ['x-colo', 'return-path'] : ['x-colo']).map((capability) => ({ capability, state: true }));
        const nbd = String(base + 1);
        const b = await pair.qmp('b');
        if (t.line !== '7.2') await b.execute('migrate-set-capabilities', { capabilities: caps });
        await b.execute('nbd-server-start', { addr: { type: 'inet', data: { host: '127.0.0.1', port: nbd } } });
        await b.execute('nbd-server-add', { device: 'parent0', writable: true });
        const a = await pair.qmp('a');
        if (layout === 'nbd') {
          await a.execute('blockdev-add', {
            driver: 'nbd',
            'node-name': 'nbd0',
            server: { type: 'inet', host: '127.0.0.1', port: nbd },
            export: 'parent0',
            'detect-zeroes': 'on',
          });
          await a.execute('x-blockdev-change', { parent: 'colo-disk0', node: 'nbd0' });
        } else {
          expect(
            await a.hmp(
              `drive_add -n buddy driver=replication,mode=primary,file.driver=nbd,file.host=127.0.0.1,file.port=${nbd},file.export=parent0,node-name=replication0`,
            ),
          ).toBe('');
          await a.execute('x-blockdev-change', { parent: 'colo-disk0', node: 'replication0' });
        }
        await a.execute('migrate-set-capabilities', { capabilities: caps });
        await a.execute('migrate-set-parameters', { 'x-checkpoint-delay': delay });
        await a.execute('migrate', { uri: `tcp:127.0.0.1:${base}` });
        await waitUntil(
          async () => (await a.execute('query-colo-status')).mode === 'primary' && (await b.execute('query-colo-status')).mode === 'secondary',
          30_000,
          'COLO runs',
        );
        await pair.release('a');
        await pair.release('b');

        const out = await pair.cli('plan', '-f', pair.file, '--format', 'json', '--detailed-exitcode');
        const plan = parseJson(out);
        expect(plan.transition).toBe('steady');
        expect(plan.changes).toEqual([]);
        expect(out.code).toBe(0);
      });
    }
  });
}

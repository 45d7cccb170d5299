// What the guest wrote survives the failover, on every QEMU line: data already on the primary's
// image before setup (setup copies it: replication alone forwards only later writes), data written
// while COLO runs, and data written by the survivor before a resume. Read as the guest sees it,
// through a read-only NBD export of the quorum; the two disks compared after a clean stop.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useQemuCleanup } from '../support/qemu.js';
import { qemuTargets } from '../support/qemus.js';
import { diskView, guestReads, guestWrite, guestWriteCheckpointed, MiB, sameDisk } from '../support/disk.js';
import { coloState, makePair, usePairCleanup } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

const PORTS = { '7.2': 41500, '10.0': 41550, '11.1': 41600 } as const;

function run(argv: string[]): string {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

for (const t of qemuTargets()) {
  describe.skipIf(t.missing !== '')(`QEMU ${t.line}: the guest's disk across setup, failover and resume`, () => {
    it('nothing written is lost, and the disks are equal once replication runs again', async () => {
      const base = PORTS[t.line];
      const pair = makePair({
        name: `data${t.line.replace('.', '')}`,
        portBase: base,
        accel: t.accel,
        qemuVersion: t.line,
        binary: t.binary,
        checkpointDelayMs: t.checkpoints ? 1000 : 3_600_000,
      });
      // the primary's image already holds data
      mkdirSync(pair.workdir('a'), { recursive: true });
      const img = join(pair.workdir('a'), 'colo-disk0.qcow2');
      run(['qemu-img', 'create', '-q', '-f', 'qcow2', img, '16M']);
      run(['qemu-io', '-f', 'qcow2', '-c', 'write -P 0xab 0 1M', img]);
      // a parent of another size is refused, not used
      mkdirSync(pair.workdir('b'), { recursive: true });
      run(['qemu-img', 'create', '-q', '-f', 'qcow2', join(pair.workdir('b'), 'colo-disk0.qcow2'), '8M']);
      const wrong = await pair.cli('launch', '-f', pair.file, '--node', 'b');
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/PARENT_SIZE/);
      run(['qemu-img', 'create', '-q', '-f', 'qcow2', join(pair.workdir('b'), 'colo-disk0.qcow2'), '16M']);

      for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
      const setup = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
      expect(setup.code, setup.stdout + setup.stderr).toBe(0);
      // a write while COLO runs reaches the survivor once a checkpoint has passed (the secondary resumes
      // from the last checkpoint: its disk, like its RAM, is that of the checkpoint); without
      // checkpoints (TCG on 7.2 and 10.0) it is rightly gone, so it is not made there
      const during: Array<[number, number]> = [];
      if (t.checkpoints) {
        await guestWriteCheckpointed(await pair.qmp('a'), 0xcd, 1 * MiB);
        during.push([0xcd, 1 * MiB]);
        await pair.release('a');
      }

      pair.kill('a');
      expect((await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal)).code).toBe(0);
      const b = await pair.qmp('b');
      const seen = await guestReads(b, base + 40, [[0xab, 0], ...during]);
      expect(seen.ok, seen.text).toBe(1 + during.length);
      await guestWrite(b, 0xef, 2 * MiB);
      await pair.release('b');

      expect((await pair.cli('launch', '-f', pair.file, '--node', 'a')).code).toBe(0);
      const resume = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
      expect(resume.code, resume.stdout + resume.stderr).toBe(0);
      expect(await coloState(await pair.qmp('a'))).toMatchObject({ mode: 'secondary' });
      await pair.release('a');
      if (t.checkpoints) {
        await guestWriteCheckpointed(await pair.qmp('b'), 0x12, 3 * MiB);
        during.push([0x12, 3 * MiB]);
        await pair.release('b');
      }

      // a clean stop of both, then the two guest views compared offline
      for (const n of ['b', 'a'] as const) expect((await pair.cli('stop', '-f', pair.file, '--node', n)).code).toBe(0);
      expect(sameDisk(diskView(pair, 'b', true), diskView(pair, 'a', true))).toBe('Images are identical.');
      const reads = [[0xab, 0], ...during, [0xef, 2 * MiB]].flatMap(([p, off]) => ['-c', `read -P 0x${p.toString(16)} ${off} 1M`]);
      const read = spawnSync('qemu-io', ['-r', '-U', ...reads, diskView(pair, 'a', true)], { encoding: 'utf8', timeout: 30_000 });
      expect(read.stdout + read.stderr).not.toMatch(/Pattern verification failed/);
      expect((read.stdout.match(/read 1048576\/1048576 bytes/g) ?? []).length).toBe(2 + during.length);
    });
  });
}

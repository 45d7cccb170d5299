// colo diff's core, table-driven: one spec edit per row, the class it must get and the argv lines
// it must add and remove (the same lines `colo args` prints).
import { describe, expect, it } from 'vitest';
import { specProfile } from '../../src/plan/choose-profile.js';
import { argvAddedRemoved } from '../../src/render/argv-patch.js';
import { renderSpecDiffMarkdown } from '../../src/render/specdiff-markdown.js';
import { renderSpecDiffText } from '../../src/render/specdiff-text.js';
import { loadSpec } from '../../src/spec/load.js';
import { diffSpecs, type SpecSide } from '../../src/specdiff/diff-specs.js';
import type { ChangeClass } from '../../src/specdiff/types.js';

const BASE = `apiVersion: colo/v1
kind: ColoPair
metadata: {name: demo}
spec:
  qemu: {version: "7.2", accel: kvm, memory: 128M, smp: 1, cpu: qemu64}
  nodes:
    - {name: a, role: primary,   host: 10.0.0.1, qmp: unix:/run/a.qmp, workdir: /srv/a}
    - {name: b, role: secondary, host: 10.0.0.2, qmp: unix:/run/b.qmp, workdir: /srv/b}
  disks:
    - {id: colo-disk0, size: 64M}
  netdevs:
    - {id: hn0, type: user, model: rtl8139, mac: "52:54:00:12:34:56", romfile: ""}
  ports: {migration: 9998, nbd: 9999, base: 9001}
  colo:
    checkpointDelayMs: 2000
    compare: {timeoutMs: 3000}
`;

function side(text: string, label: string): SpecSide {
  const r = loadSpec(text, label);
  if (!r.spec) throw new Error(r.problems.map((p) => `${p.code} ${p.message}`).join('\n'));
  return { label, spec: r.spec, profile: specProfile(r.spec) };
}

function edit(from: string, to: string): string {
  if (!BASE.includes(from)) throw new Error(`not in the base spec: ${from}`);
  return BASE.replace(from, to);
}

interface Row {
  what: string;
  from: string;
  to: string;
  class: ChangeClass;
  /** the address of the change that decides the class */
  address: string;
  /** the old side, when it is not the base spec */
  old?: string;
  /** argv lines added / removed per node */
  argv: Record<string, { added: string[]; removed: string[] }>;
}

const none = { added: [], removed: [] };

const rows: Row[] = [
  {
    what: "a resume's downtime-limit (set at the next resume)",
    from: 'checkpointDelayMs: 2000',
    to: 'checkpointDelayMs: 2000\n    resumeDowntimeLimitMs: 50',
    class: 'in-place',
    address: 'spec.colo.resumeDowntimeLimitMs',
    argv: { a: none, b: none },
  },
  {
    what: 'checkpoint delay',
    from: 'checkpointDelayMs: 2000',
    to: 'checkpointDelayMs: 500',
    class: 'in-place',
    address: 'a/migration/parameter/x-checkpoint-delay',
    argv: { a: none, b: none },
  },
  {
    what: 'an extra filter on the secondary',
    from: 'romfile: ""}',
    to: 'romfile: "", filters: {extra: [{id: dump0, type: filter-dump, on: secondary, props: {file: /tmp/hn0.pcap}}]}}',
    class: 'in-place',
    address: 'b/object/dump0',
    argv: { a: none, b: { added: ['-object filter-dump,id=dump0,netdev=hn0,file=/tmp/hn0.pcap'], removed: [] } },
  },
  {
    what: 'a compare tunable (colo-compare is created with its properties)',
    from: 'compare: {timeoutMs: 3000}',
    to: 'compare: {timeoutMs: 1500}',
    class: 'relaunch-secondary',
    address: 'a/object/comp0',
    argv: {
      a: {
        added: ['-object colo-compare,id=comp0,primary_in=compare0-0,secondary_in=compare1,outdev=compare_out0,iothread=iothread1,compare_timeout=1500'],
        removed: ['-object colo-compare,id=comp0,primary_in=compare0-0,secondary_in=compare1,outdev=compare_out0,iothread=iothread1,compare_timeout=3000'],
      },
      b: none,
    },
  },
  {
    what: 'an extra filter on the primary removed',
    from: 'romfile: ""}',
    to: 'romfile: ""}',
    class: 'switchover',
    address: 'a/object/buf0',
    old: BASE.replace('romfile: ""}', 'romfile: "", filters: {extra: [{id: buf0, type: filter-buffer, on: primary, props: {interval: 1000}}]}}'),
    argv: { a: { added: [], removed: ['-object filter-buffer,id=buf0,netdev=hn0,interval=1000'] }, b: none },
  },
  {
    what: 'the NBD port (the secondary serves it, the primary reads it)',
    from: 'nbd: 9999',
    to: 'nbd: 9990',
    class: 'relaunch-secondary',
    address: 'b/nbd-server',
    argv: { a: none, b: none },
  },
  {
    what: 'the chardev ports (the primary binds them from its argv)',
    from: 'base: 9001',
    to: 'base: 9101',
    class: 'switchover',
    address: 'a/chardev/compare0',
    argv: {
      a: {
        added: ['-chardev socket,id=mirror0,host=10.0.0.1,port=9103,server=on,wait=off'],
        removed: ['-chardev socket,id=mirror0,host=10.0.0.1,port=9003,server=on,wait=off'],
      },
      b: {
        added: ['-chardev socket,id=red0,host=10.0.0.1,port=9103,reconnect=1'],
        removed: ['-chardev socket,id=red0,host=10.0.0.1,port=9003,reconnect=1'],
      },
    },
  },
  {
    what: 'the QEMU binary',
    from: 'cpu: qemu64}',
    to: 'cpu: qemu64, binary: /opt/qemu/bin/qemu-system-x86_64}',
    class: 'switchover',
    address: 'spec.qemu.binary',
    argv: {
      a: { added: ['/opt/qemu/bin/qemu-system-x86_64'], removed: ['qemu-system-x86_64'] },
      b: { added: ['/opt/qemu/bin/qemu-system-x86_64'], removed: ['qemu-system-x86_64'] },
    },
  },
  {
    what: 'memory',
    from: 'memory: 128M',
    to: 'memory: 256M',
    class: 'impossible',
    address: 'spec.qemu.memory',
    argv: { a: { added: ['-m 256M'], removed: ['-m 128M'] }, b: { added: ['-m 256M'], removed: ['-m 128M'] } },
  },
  {
    what: 'vCPUs',
    from: 'smp: 1',
    to: 'smp: 2',
    class: 'impossible',
    address: 'spec.qemu.smp',
    argv: { a: { added: ['-smp 2'], removed: ['-smp 1'] }, b: { added: ['-smp 2'], removed: ['-smp 1'] } },
  },
  {
    what: 'disk size',
    from: 'size: 64M',
    to: 'size: 128M',
    class: 'impossible',
    address: 'spec.disks[0].size',
    argv: { a: none, b: none },
  },
  {
    what: 'disk count',
    from: '    - {id: colo-disk0, size: 64M}\n',
    to: '    - {id: colo-disk0, size: 64M}\n    - {id: colo-disk1, size: 32M}\n',
    class: 'impossible',
    address: 'spec.disks (count)',
    argv: {
      a: {
        added: [
          '-drive if=ide,id=colo-disk1,driver=quorum,read-pattern=fifo,vote-threshold=1,children.0.file.filename=/srv/a/colo-disk1.qcow2,children.0.driver=qcow2',
        ],
        removed: [],
      },
      b: {
        added: [
          '-drive if=none,id=parent1,file.filename=/srv/b/colo-disk1.qcow2,driver=qcow2',
          '-drive if=none,id=childs1,driver=replication,mode=secondary,file.driver=qcow2,top-id=colo-disk1,file.file.filename=/srv/b/colo-disk1-active.qcow2,file.backing.driver=qcow2,file.backing.file.filename=/srv/b/colo-disk1-hidden.qcow2,file.backing.backing=parent1',
          '-drive if=ide,id=colo-disk1,driver=quorum,read-pattern=fifo,vote-threshold=1,children.0=childs1',
        ],
        removed: [],
      },
    },
  },
  {
    what: 'NIC model',
    from: 'model: rtl8139',
    to: 'model: e1000',
    class: 'impossible',
    address: 'spec.netdevs[0].model',
    argv: {
      a: {
        added: ['-device e1000,id=e0,netdev=hn0,mac=52:54:00:12:34:56,romfile='],
        removed: ['-device rtl8139,id=e0,netdev=hn0,mac=52:54:00:12:34:56,romfile='],
      },
      b: {
        added: ['-device e1000,id=e0,netdev=hn0,mac=52:54:00:12:34:56,romfile='],
        removed: ['-device rtl8139,id=e0,netdev=hn0,mac=52:54:00:12:34:56,romfile='],
      },
    },
  },
  {
    what: 'MAC',
    from: '52:54:00:12:34:56',
    to: '52:54:00:12:34:57',
    class: 'impossible',
    address: 'spec.netdevs[0].mac',
    argv: {
      a: {
        added: ['-device rtl8139,id=e0,netdev=hn0,mac=52:54:00:12:34:57,romfile='],
        removed: ['-device rtl8139,id=e0,netdev=hn0,mac=52:54:00:12:34:56,romfile='],
      },
      b: {
        added: ['-device rtl8139,id=e0,netdev=hn0,mac=52:54:00:12:34:57,romfile='],
        removed: ['-device rtl8139,id=e0,netdev=hn0,mac=52:54:00:12:34:56,romfile='],
      },
    },
  },
  {
    what: 'machine type',
    from: 'cpu: qemu64}',
    to: 'cpu: qemu64, machine: q35}',
    class: 'impossible',
    address: 'spec.qemu.machine',
    argv: { a: { added: ['-machine q35'], removed: [] }, b: { added: ['-machine q35'], removed: [] } },
  },
];

describe('colo diff: one class per kind of edit', () => {
  it.each(rows)('$what → $class', (row) => {
    const d = diffSpecs(side(row.old ?? BASE, 'old.yaml'), side(edit(row.from, row.to), 'new.yaml'));
    expect(d.class).toBe(row.class);
    const decisive = d.changes.find((c) => c.address === row.address);
    expect(decisive, JSON.stringify(d.changes.map((c) => [c.address, c.class]))).toBeDefined();
    expect(decisive!.class).toBe(row.class);
    for (const [node, want] of Object.entries(row.argv)) {
      const got = argvAddedRemoved(d.nodes[node]);
      if (row.what.startsWith('the chardev ports')) {
        // many chardev lines move: check the named ones are among them
        for (const l of want.added) expect(got.added).toContain(l);
        for (const l of want.removed) expect(got.removed).toContain(l);
      } else expect(got).toEqual(want);
    }
  });

  it('the same spec: no change, no class', () => {
    const d = diffSpecs(side(BASE, 'old.yaml'), side(BASE, 'new.yaml'));
    expect(d.changes).toEqual([]);
    expect(d.class).toBeUndefined();
    expect(renderSpecDiffText(d, false)).toContain('No change to what QEMU runs.');
  });

  it('roles swapped in the file only: nothing moves on a running pair', () => {
    const swapped = BASE.replace('name: a, role: primary', 'name: a, role: secondary').replace('name: b, role: secondary', 'name: b, role: primary');
    const d = diffSpecs(side(BASE, 'old.yaml'), side(swapped, 'new.yaml'));
    expect(d.changes).toEqual([]);
  });

  it("the new spec's profile warnings come along: a parameter change under TCG on 7.2 forces a checkpoint", () => {
    const tcg = BASE.replace('accel: kvm', 'accel: tcg');
    const d = diffSpecs(side(tcg, 'old.yaml'), side(tcg.replace('checkpointDelayMs: 2000', 'checkpointDelayMs: 500'), 'new.yaml'));
    expect(d.class).toBe('in-place');
    expect(d.warnings.map((w) => w.message).join('\n')).toMatch(/deadlocks QEMU 7\.2 at the first checkpoint/);
    expect(d.warnings[0]).toMatchObject({ severity: 'warning', code: 'QEMU_PROFILE', file: 'new.yaml', line: null });
    expect(renderSpecDiffText(d, false)).toMatch(/^warning: QEMU_PROFILE: COLO under TCG deadlocks/m);
    expect(diffSpecs(side(BASE, 'old.yaml'), side(BASE, 'new.yaml')).warnings).toEqual([]);
  });

  it('a raised checkpoint interval is flagged as weakening fault tolerance', () => {
    const d = diffSpecs(side(BASE, 'old.yaml'), side(edit('checkpointDelayMs: 2000', 'checkpointDelayMs: 8000'), 'new.yaml'));
    expect(d.changes[0].weakens).toMatch(/raised from 2000 to 8000 ms/);
    const lowered = diffSpecs(side(BASE, 'old.yaml'), side(edit('checkpointDelayMs: 2000', 'checkpointDelayMs: 1000'), 'new.yaml'));
    expect(lowered.changes[0].weakens).toBeUndefined();
  });

  it('the time without a replica follows the disk and memory sizes and the assumed throughput', () => {
    const d = diffSpecs(side(BASE, 'old.yaml'), side(edit('compare: {timeoutMs: 3000}', 'compare: {timeoutMs: 1000}'), 'new.yaml'), { throughputMiBps: 16 });
    // 64 MiB disk + 128 MiB memory at 16 MiB/s
    expect(d.resync).toEqual({ bytes: 192 * 1048576, throughputMiBps: 16, seconds: 12 });
    expect(d.changes.find((c) => c.class === 'relaunch-secondary')!.expectedSeconds).toBe(12);
    const bigDisk = (t: string) => t.replace('size: 64M', 'size: 10G');
    const sw = diffSpecs(side(bigDisk(BASE), 'old.yaml'), side(bigDisk(edit('base: 9001', 'base: 9101')), 'new.yaml'));
    // switchover: two resyncs of (10 GiB + 128 MiB) at the default 100 MiB/s
    expect(sw.resync.seconds).toBe(Math.ceil((10240 + 128) / 100));
    expect(sw.changes.find((c) => c.class === 'switchover')!.expectedSeconds).toBe(2 * sw.resync.seconds);
    expect(renderSpecDiffText(sw, false)).toContain(`about ${2 * sw.resync.seconds} s without a replica`);
  });

  it('markdown: the verdict, one table row per change, the argv as a diff block', () => {
    const d = diffSpecs(side(BASE, 'old.yaml'), side(edit('memory: 128M', 'memory: 256M'), 'new.yaml'));
    const md = renderSpecDiffMarkdown(d);
    expect(md).toContain('**:no_entry: impossible**');
    expect(md).toMatch(/\| pair \| update `spec\.qemu\.memory` \| :no_entry: impossible \| `128M` \| `256M` \|/);
    expect(md).toContain('```diff\n--- old.yaml (a)\n+++ new.yaml (a)\n');
    expect(md).toContain('\n--m 128M\n+-m 256M\n');
  });
});

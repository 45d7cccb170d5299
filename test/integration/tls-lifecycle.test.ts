// Every lifecycle on X.509 TLS (migration, NBD, every filter chardev; verify-peer on, tls-authz
// naming both nodes), on each QEMU line present: setup, secondary failover, secondary resume (the
// survivor's migration credentials switch to the client endpoint), primary failover, primary resume;
// checkpoints counted where they run (KVM, or 11.1 under TCG). Then what must fail: a node holding
// another CA's certificates cannot join (colo says why, in QEMU's words), a client certificate of
// another CA is caught by the wait on the primary's server ends, migration TLS removed by hand is
// drift, listed first and repaired (before setup on every line; on a replicating pair where a
// parameter change can force a checkpoint: KVM, or 11.1 under TCG), and a plain spec against TLS
// nodes, or the reverse, is blocked.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { QmpClient } from '../../src/qmp/client.js';
import { makePki, mixedDir, tlsSection } from '../support/pki.js';
import { useQemuCleanup } from '../support/qemu.js';
import { qemuTargets, type QemuTarget } from '../support/qemus.js';
import { launchAndApply, makePair, sleep, usePairCleanup, type Pair, expectSteady, nodeState as state, planJson as plan } from '../support/pair.js';

useQemuCleanup();
usePairCleanup();

const PORTS: Record<QemuTarget['line'], number> = { '7.2': 45000, '10.0': 45200, '11.1': 45400 };
const IDENTITIES = '    allowedIdentities: ["O=colo,CN=host-a", "O=colo,CN=host-b"]\n';

async function apply(pair: Pair) {
  return pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal);
}

async function migrationTls(pair: Pair, node: 'a' | 'b'): Promise<Record<string, string>> {
  const p = await (await pair.qmp(node)).execute('query-migrate-parameters');
  await pair.release(node);
  return { 'tls-creds': String(p['tls-creds'] ?? ''), 'tls-hostname': String(p['tls-hostname'] ?? ''), 'tls-authz': String(p['tls-authz'] ?? '') };
}

async function checkpoints(c: QmpClient, ms: number): Promise<number> {
  const before = c.events().filter((e) => e.event === 'RESUME').length;
  await sleep(ms);
  return c.events().filter((e) => e.event === 'RESUME').length - before;
}

for (const t of qemuTargets()) {
  const opts = (name: string, offset: number, extra: string) => ({
    name: `tls${t.line.replace('.', '')}-${name}`,
    portBase: PORTS[t.line] + offset,
    accel: t.accel,
    qemuVersion: t.line,
    binary: t.binary,
    checkpointDelayMs: t.checkpoints ? 1000 : 3_600_000,
    extra,
  });

  describe.skipIf(t.missing !== '')(`TLS on QEMU ${t.line} (${t.accel})${t.missing ? `: ${t.missing}` : ''}`, () => {
    it('setup, secondary failover, secondary resume, primary failover, primary resume: every channel on TLS', async () => {
      const pki = makePki(['a', 'b']);
      const pair = makePair(opts('life', 0, tlsSection(pki.dir('a'), pki.dir('b'), IDENTITIES)));
      const v = await pair.cli('validate', '-f', pair.file);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stderr).not.toMatch(/TLS_|IN_CLEAR|error/);
      for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
      const setup = await plan(pair);
      const waits = setup.plan.steps.filter((s: any) => s.wait === 'chardevs-connected').map((s: any) => [s.node, s.until]);
      expect(waits).toEqual([
        ['b', ['red0', 'red1']],
        ['a', ['mirror0', 'compare1', 'compare0', 'compare_out']],
      ]);
      expect(setup.plan.steps.find((s: any) => s.execute === 'nbd-server-start')).toMatchObject({ arguments: { 'tls-creds': 'tlsS', 'tls-authz': 'authz0' } });
      const t0 = Date.now();
      const applied = await apply(pair);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      console.log(`TLS ${t.line}: setup applied in ${Date.now() - t0} ms`);
      expect(await state(pair, 'a')).toMatchObject({ mode: 'primary', runstate: 'running' });
      expect(await state(pair, 'b')).toMatchObject({ mode: 'secondary', runstate: 'running' });
      expect(await migrationTls(pair, 'a')).toMatchObject({ 'tls-creds': 'tlsC', 'tls-hostname': '127.0.0.1' });
      expect(await migrationTls(pair, 'b')).toMatchObject({ 'tls-creds': 'tlsS', 'tls-authz': 'authz0' });
      const status = await pair.cli('status', '-f', pair.file);
      expect(status.stdout).toContain('TLS: tlsS (server), tlsC (client); migration on TLS with tlsC → 127.0.0.1');
      expect(status.stdout).toContain('TLS: tlsS (server), tlsC (client); migration on TLS with tlsS, authz authz0');
      if (t.checkpoints) {
        const n = await checkpoints(await pair.qmp('a'), 4000);
        console.log(`TLS ${t.line} ${t.accel}: ${n} checkpoints in 4 s at 1000 ms`);
        expect(n).toBeGreaterThanOrEqual(2);
        await pair.release('a');
      }
      await expectSteady(pair);

      // secondary failover: the primary dies, b takes over
      pair.kill('a');
      const k0 = Date.now();
      const fo = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(fo.code, fo.stdout + fo.stderr).toBe(0);
      console.log(`TLS ${t.line}: secondary failover in ${Date.now() - k0} ms (${fo.stdout.trim().split('\n').pop()})`);
      expect(await state(pair, 'b')).toMatchObject({ mode: 'none', lastMode: 'secondary', runstate: 'running' });
      expect(await migrationTls(pair, 'b')).toMatchObject({ 'tls-creds': 'tlsS' });

      // secondary resume: b's migration switches to the client credentials before it migrates to the new secondary a
      expect((await pair.cli('launch', '-f', pair.file, '--node', 'a')).code).toBe(0);
      const resume = await plan(pair);
      expect(resume.plan.transition).toBe('secondary-resume');
      const params = resume.plan.steps.find((s: any) => s.node === 'b' && s.execute === 'migrate-set-parameters') as any;
      expect(params.arguments).toMatchObject({ 'tls-creds': 'tlsC', 'tls-hostname': '127.0.0.1' });
      expect(resume.plan.steps.indexOf(params)).toBeLessThan(resume.plan.steps.findIndex((s: any) => s.execute === 'migrate'));
      const r1 = await apply(pair);
      expect(r1.code, r1.stdout + r1.stderr).toBe(0);
      expect(await state(pair, 'b')).toMatchObject({ mode: 'primary', runstate: 'running' });
      expect(await state(pair, 'a')).toMatchObject({ mode: 'secondary', runstate: 'running' });
      expect(await migrationTls(pair, 'b')).toMatchObject({ 'tls-creds': 'tlsC', 'tls-hostname': '127.0.0.1' });
      if (t.checkpoints) {
        expect(await checkpoints(await pair.qmp('b'), 3000)).toBeGreaterThanOrEqual(1);
        await pair.release('b');
      }
      await expectSteady(pair);

      // primary failover: the new secondary dies, b continues alone
      pair.kill('a');
      const fo2 = await pair.cli('failover', '-f', pair.file, '--survivor', 'b', '--journal', pair.journal);
      expect(fo2.code, fo2.stdout + fo2.stderr).toBe(0);
      expect(fo2.stdout).toContain('primary-failover');
      // on TLS the server ends the dead secondary used go with it (they would not notice it is gone)
      expect(fo2.stdout).toMatch(/chardev-remove \{"id":"compare1"\}[\s\S]*chardev-remove \{"id":"mirror0"\}/);
      expect(await state(pair, 'b')).toMatchObject({ mode: 'none', lastMode: 'primary', runstate: 'running' });

      // primary resume: a joins again as secondary
      expect((await pair.cli('launch', '-f', pair.file, '--node', 'a')).code).toBe(0);
      const r2 = await apply(pair);
      expect(r2.code, r2.stdout + r2.stderr).toBe(0);
      expect(r2.stdout).toContain('primary-resume');
      expect(await state(pair, 'b')).toMatchObject({ mode: 'primary', runstate: 'running' });
      expect(await state(pair, 'a')).toMatchObject({ mode: 'secondary', runstate: 'running' });
      if (t.checkpoints) {
        expect(await checkpoints(await pair.qmp('b'), 3000)).toBeGreaterThanOrEqual(1);
        await pair.release('b');
      }
      await expectSteady(pair);
    });

    it.skipIf(!t.checkpoints)('migration TLS removed by hand is drift: listed first, as security, and repaired', async () => {
      const pki = makePki(['a', 'b']);
      const pair = makePair(opts('drift', 50, tlsSection(pki.dir('a'), pki.dir('b'))));
      await launchAndApply(pair);
      await (await pair.qmp('a')).execute('migrate-set-parameters', { 'tls-creds': '' });
      await pair.release('a');
      const drift = await plan(pair, '--detailed-exitcode');
      expect(drift.code).toBe(2);
      expect(drift.plan.changes[0]).toMatchObject({
        address: 'a/migration/parameter/tls-creds',
        action: 'update',
        faultTolerance: expect.stringMatching(/^security: a's migration is not on TLS/),
      });
      const text = await pair.cli('plan', '-f', pair.file);
      expect(text.stdout).toMatch(/Security and fault tolerance \(1\)[\s\S]*a\/migration\/parameter\/tls-creds[\s\S]*security: a's migration is not on TLS/);
      const fixed = await apply(pair);
      expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
      expect(await migrationTls(pair, 'a')).toMatchObject({ 'tls-creds': 'tlsC' });
      await expectSteady(pair);
    });

    it('migration TLS removed by hand before setup: listed first, as security, and set back by the setup', async () => {
      const pki = makePki(['a', 'b']);
      const pair = makePair(opts('predrift', 250, tlsSection(pki.dir('a'), pki.dir('b'))));
      for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
      await (await pair.qmp('a')).execute('migrate-set-parameters', { 'tls-creds': '', 'tls-hostname': '' });
      await pair.release('a');
      const p = await plan(pair);
      expect(p.plan.changes.slice(0, 1)).toEqual([
        expect.objectContaining({
          address: 'a/migration/parameter/tls-creds',
          action: 'update',
          faultTolerance: expect.stringMatching(/^security: a's migration is not on TLS/),
        }),
      ]);
      const set = p.plan.steps.find((s: any) => s.node === 'a' && s.execute === 'migrate-set-parameters') as any;
      expect(set.arguments).toMatchObject({ 'tls-creds': 'tlsC', 'tls-hostname': '127.0.0.1' });
      const out = await apply(pair);
      expect(out.code, out.stdout + out.stderr).toBe(0);
      expect(await migrationTls(pair, 'a')).toMatchObject({ 'tls-creds': 'tlsC', 'tls-hostname': '127.0.0.1' });
      await expectSteady(pair);
    });

    it('a plain spec against nodes launched with TLS, and a TLS spec against plain nodes: blocked, with what it takes', async () => {
      const pki = makePki(['a', 'b']);
      const pair = makePair(opts('mismatch', 200, tlsSection(pki.dir('a'), pki.dir('b'))));
      const tlsYaml = readFileSync(pair.file, 'utf8');
      const plainYaml = tlsYaml.slice(0, tlsYaml.indexOf('  tls:'));
      for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
      writeFileSync(pair.file, plainYaml);
      const p = await plan(pair);
      expect(p.plan.transition).toBe('setup');
      expect(p.plan.steps).toEqual([]);
      expect(p.plan.changes.filter((c: any) => c.address.endsWith('/object/tlsS')).map((c: any) => [c.address, c.action])).toEqual([
        ['a/object/tlsS', 'blocked'],
        ['b/object/tlsS', 'blocked'],
      ]);
      const out = await apply(pair);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(
        /error BLOCKED_CHANGES: nothing apply can do in place:[\s\S]*! blocked b\/object\/tlsS: security: b runs its COLO channels on TLS \(migration tls-creds tlsS\), but the spec has them in clear[\s\S]*relaunch it from the spec: colo stop --node b, then colo launch --node b/,
      );
      // the reverse: relaunched plain, the TLS spec is refused the same way
      for (const n of ['a', 'b'] as const) expect((await pair.cli('stop', '-f', pair.file, '--node', n)).code).toBe(0);
      for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
      writeFileSync(pair.file, tlsYaml);
      const back = await apply(pair);
      expect(back.code).toBe(1);
      expect(back.stderr).toMatch(
        /! blocked a\/object\/tlsS: security: a runs without TLS credentials \(tlsS, tlsC\), but the spec puts every COLO channel on X\.509 TLS: relaunch it from the spec/,
      );
    });

    it("a node holding another CA's certificates cannot join: the NBD copy fails with QEMU's words", async () => {
      const pki = makePki(['a', 'b'], ['b']);
      const foreign = mixedDir(pki, 'b-foreign', 'b', 'rogue-b', ['server', 'client']);
      const pair = makePair(opts('ca', 100, tlsSection(pki.dir('a'), foreign)));
      const v = await pair.cli('validate', '-f', pair.file);
      expect(v.code).toBe(0);
      expect(v.stdout).toMatch(/warning TLS_CERT: node b's client certificate \(O=colo,CN=host-rogue-b\) is not signed by a CA a trusts/);
      for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
      const out = await apply(pair);
      expect(out.code).toBe(1);
      console.log(`TLS ${t.line}: another CA refused: ${out.stderr.trim().split('\n').slice(0, 2).join(' | ')}`);
      expect(out.stderr).toMatch(/error STEP_FAILED: step \d+ on a failed: drive-mirror/);
      expect(out.stderr).toMatch(/QEMU: The certificate hasn't got a known issuer/);
      expect(await state(pair, 'b')).toMatchObject({ mode: 'none' });
    });

    it("a client certificate of another CA: the client ends show connected, the wait on the primary's server ends says so", async () => {
      const pki = makePki(['a', 'b'], ['b']);
      const foreign = mixedDir(pki, 'b-client', 'b', 'rogue-b', ['client']);
      const pair = makePair(opts('client', 150, tlsSection(pki.dir('a'), foreign)));
      for (const n of ['a', 'b'] as const) expect((await pair.cli('launch', '-f', pair.file, '--node', n)).code).toBe(0);
      const out = await pair.cli('apply', '-f', pair.file, '--auto-approve', '--journal', pair.journal, '--timeout', '10000');
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/step \d+ on a failed: wait chardevs-connected/);
      expect(out.stderr).toMatch(/not connected: mirror0, compare1/);
      expect(out.stderr).toMatch(/QEMU logs nothing when a chardev's TLS handshake fails: check that b's client certificate is signed by a's CA/);
      // and nothing was migrated: the guest never left a
      expect(await state(pair, 'b')).toMatchObject({ mode: 'none', runstate: 'inmigrate' });
    });
  });
}

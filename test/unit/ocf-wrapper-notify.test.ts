// The shipped OCF wrapper answers the notifications colo ocf ignores without starting the CLI: a
// failover waits for every notification Pacemaker sends before the promote.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OCF_WRAPPER } from '../../src/ocf/wrapper.js';

const dir = mkdtempSync('/tmp/colo-ocf-wrapper-');
const fake = join(dir, 'fake-colo');
writeFileSync(fake, '#!/bin/sh\necho "ran $*"\n');
chmodSync(fake, 0o755);
const wrapper = join(dir, 'colo');
writeFileSync(wrapper, OCF_WRAPPER);
chmodSync(wrapper, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function notify(type: string, op: string, lists: { promoted?: string; promote?: string }): boolean {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    OCF_RESKEY_colo: fake,
    OCF_RESKEY_node: 'b',
    OCF_RESKEY_CRM_meta_notify_type: type,
    OCF_RESKEY_CRM_meta_notify_operation: op,
    OCF_RESKEY_CRM_meta_notify_promoted_uname: lists.promoted ?? '',
    OCF_RESKEY_CRM_meta_notify_promote_uname: lists.promote ?? '',
  };
  const r = spawnSync('sh', [wrapper, 'notify'], { env, encoding: 'utf8', timeout: 5000 });
  expect(r.status).toBe(0);
  return r.stdout.includes('ran ocf notify');
}

describe('the OCF wrapper starts the CLI only for the notifications it acts on', () => {
  it('post-stop: on the promoted node (its secondary stopped), not on the node about to be promoted', () => {
    expect(notify('post', 'stop', { promoted: 'b' })).toBe(true);
    expect(notify('post', 'stop', { promoted: 'a', promote: 'b' })).toBe(false);
    expect(notify('post', 'stop', { promote: 'b' })).toBe(false);
  });
  it('post-start and post-promote: on the promoted node or the one being promoted', () => {
    expect(notify('post', 'start', { promoted: 'b' })).toBe(true);
    expect(notify('post', 'start', { promote: 'b' })).toBe(true);
    expect(notify('post', 'promote', { promote: 'b' })).toBe(true);
    expect(notify('post', 'start', { promoted: 'a' })).toBe(false);
  });
  it('every pre-notification answers in the wrapper', () => {
    for (const op of ['start', 'stop', 'promote', 'demote']) expect(notify('pre', op, { promoted: 'b', promote: 'b' })).toBe(false);
  });
});

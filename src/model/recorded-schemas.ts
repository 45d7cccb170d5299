import type { SchemaSummary } from './schema-summary.js';

/**
 * Schema summaries of real QEMUs (test/fixtures/schema/*.json.gz, recorded with
 * scripts/record-schema.mjs; a unit test holds each to its fixture). An offline plan takes the
 * profile of the spec's version from here.
 */
const COMMON_COMMANDS = [
  'query-colo-status',
  'x-colo-lost-heartbeat',
  'x-blockdev-change',
  'blockdev-add',
  'blockdev-del',
  'nbd-server-start',
  'nbd-server-add',
  'nbd-server-stop',
  'block-export-add',
  'query-block-exports',
  'drive-mirror',
  'yank',
  'query-yank',
  'human-monitor-command',
  'x-debug-query-block-graph',
  'migrate-incoming',
];
const base = {
  commands: COMMON_COMMANDS,
  capabilities: ['x-colo', 'return-path', 'multifd', 'events'],
  parameters: ['x-checkpoint-delay', 'multifd-channels', 'tls-creds', 'tls-hostname', 'tls-authz'],
  blockDrivers: ['nbd', 'quorum', 'replication', 'qcow2', 'raw'],
};

export const RECORDED_SCHEMAS: Record<string, { package: string; summary: SchemaSummary }> = {
  '7.2.22': { package: 'Debian 1:7.2+dfsg-7+deb12u18+b3', summary: { ...base, chardevSocket: ['reconnect', 'nodelay', 'tls-creds', 'tls-authz'] } },
  '10.0.13': {
    package: 'Debian 1:10.0.13+ds-0+deb13u1',
    summary: { ...base, chardevSocket: ['reconnect', 'reconnect-ms', 'nodelay', 'tls-creds', 'tls-authz'] },
  },
  '11.1.3': { package: 'Debian 1:11.1.3+ds-2~bpo13+1', summary: { ...base, chardevSocket: ['reconnect-ms', 'nodelay', 'tls-creds', 'tls-authz'] } },
};

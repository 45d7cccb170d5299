import { CAPABILITIES, COMMANDS, DRIVERS, PARAMETERS, type SchemaSummary } from './schema-summary.js';

/**
 * Schema summaries of real QEMUs (test/fixtures/schema/*.json.gz, recorded with
 * scripts/record-schema.mjs; a unit test holds each to its fixture). An offline plan takes the
 * profile of the spec's version from here.
 */
// the three recorded QEMUs offer every command, capability, parameter and driver colo looks for
const base = {
  commands: COMMANDS,
  capabilities: CAPABILITIES,
  parameters: PARAMETERS,
  blockDrivers: DRIVERS,
};

export const RECORDED_SCHEMAS: Record<string, { package: string; summary: SchemaSummary }> = {
  '7.2.22': { package: 'Debian 1:7.2+dfsg-7+deb12u18+b3', summary: { ...base, chardevSocket: ['reconnect', 'nodelay', 'tls-creds', 'tls-authz'] } },
  '10.0.13': {
    package: 'Debian 1:10.0.13+ds-0+deb13u1',
    summary: { ...base, chardevSocket: ['reconnect', 'reconnect-ms', 'nodelay', 'tls-creds', 'tls-authz'] },
  },
  '11.1.3': { package: 'Debian 1:11.1.3+ds-2~bpo13+1', summary: { ...base, chardevSocket: ['reconnect-ms', 'nodelay', 'tls-creds', 'tls-authz'] } },
};

import type { Resource } from '../model/state.js';

/**
 * Why a TLS piece that differs from the spec is a security problem (or stops replication). Lost TLS
 * is drift like a missing filter: listed first, with the fault-tolerance changes. Pure.
 */
export function tlsDrift(want: Resource, have: Resource | undefined): string | undefined {
  if (want.kind === 'parameter' && String(want.id).startsWith('tls-')) {
    const is = have === undefined ? undefined : String(have.value.value ?? '');
    const should = String(want.value.value);
    if (is === should) return undefined;
    if (want.id === 'tls-creds') {
      if (!is)
        return `security: ${want.node}'s migration is not on TLS (tls-creds "${is ?? ''}", the spec says ${should}): the guest's memory at every checkpoint would cross the network in clear`;
      return `${want.node}'s migration has ${is}, its role needs ${should}: QEMU refuses to migrate ("Expected TLS credentials for a ${should === 'tlsC' ? 'client' : 'server'} endpoint")`;
    }
    if (want.id === 'tls-hostname')
      return `${want.node} would check its peer's certificate against "${is ?? ''}", not ${should}: the TLS handshake of the migration fails`;
    if (want.id === 'tls-authz')
      return `security: ${want.node}'s migration admits ${is ? `the identities of ${is}` : 'any certificate of its CA'}, the spec says only ${should}'s`;
  }
  if (want.kind === 'object' && want.value['qom-type'] === 'tls-creds-x509' && have) {
    if (have.value['verify-peer'] === false)
      return `security: ${want.id} on ${want.node} does not verify its peers (verify-peer off): any client reaches its server ends`;
    if (have.value.endpoint !== undefined && have.value.endpoint !== want.value.endpoint)
      return `security: ${want.id} on ${want.node} is a ${have.value.endpoint} endpoint, the spec says ${want.value.endpoint}`;
  }
  return undefined;
}

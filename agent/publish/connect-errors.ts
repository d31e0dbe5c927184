/**
 * Turns what a failed connection attempt throws (socket errors, OpenSSL codes, CONNACK reason
 * codes) into one sentence a person can act on, keeping the original code in the details.
 */
import type { AgentError } from '../errors/agent-error.js';
import { publishErrors } from './errors.js';
import type { TlsFiles } from './tls-files.js';

// OpenSSL codes meaning the broker's certificate is not trusted by our CA (we rejected it).
const SERVER_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE',
]);

/** The AgentError for a failed connect to `url`. */
export function describeConnectError(err: Error, url: string, tls: TlsFiles | undefined): AgentError {
  const code = (err as { code?: unknown }).code;
  const details = { url, cause: code ?? err.message };
  if (typeof code === 'number') {
    return publishErrors.EDGE_PUBLISH_AUTH_REJECTED(
      `Expected the broker at ${url} to accept the connection but CONNACK said "${err.message.replace(/^Connection refused: /, '')}" (reason code 0x${code.toString(16)}); check the username, password, client id and the broker's ACL`,
      details,
      err,
    );
  }
  if (typeof code === 'string' && SERVER_CERT_CODES.has(code)) {
    return publishErrors.EDGE_PUBLISH_TLS_REJECTED(
      `Expected the broker certificate of ${url} to be signed by tls.caFile (${tls?.caFile ?? 'system CAs'}) but verification failed: ${err.message} (${code})`,
      details,
      err,
    );
  }
  if ((typeof code === 'string' && code.startsWith('ERR_SSL')) || /alert|certificate|handshake/i.test(err.message)) {
    // OpenSSL messages carry a file and line; the reason between the colons is what a person needs.
    const reason = /SSL routines:[^:]*:([^:]+):/.exec(err.message)?.[1] ?? err.message;
    return publishErrors.EDGE_PUBLISH_TLS_REJECTED(
      `Expected the broker at ${url} to accept the client certificate (tls.certFile ${tls?.certFile ?? 'not set'}) but the TLS handshake failed: ${reason}; check the certificate is signed by a CA the broker trusts and matches tls.keyFile`,
      details,
      err,
    );
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
    return publishErrors.EDGE_PUBLISH_CONNECT_FAILED(`Expected a broker at ${url} but the connection failed: ${err.message}; check the broker is running and reachable`, details, err);
  }
  return publishErrors.EDGE_PUBLISH_CONNECT_FAILED(`Expected to connect to ${url} but it failed: ${err.message}`, details, err);
}

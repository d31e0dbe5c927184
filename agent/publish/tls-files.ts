/** Reads the PEM files of a TLS connection once, at construction, so a wrong path fails at start-up. */
import { readFileSync, statSync } from 'node:fs';
import { publishErrors } from './errors.js';

/** Paths of the CA bundle, client certificate and client key (all PEM). */
export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** The files' contents under the names Node's `tls.connect` takes. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Reads each given file; throws EDGE_PUBLISH_TLS_REJECTED naming the key and path when one is unreadable. */
export function loadTlsFiles(files: TlsFiles): TlsMaterial {
  const out: TlsMaterial = {};
  if (files.caFile !== undefined) out.ca = read('caFile', files.caFile);
  if (files.certFile !== undefined) out.cert = read('certFile', files.certFile);
  if (files.keyFile !== undefined) {
    refuseSharedKey(files.keyFile);
    out.key = read('keyFile', files.keyFile);
  }
  if ((out.cert === undefined) !== (out.key === undefined)) {
    throw publishErrors.EDGE_PUBLISH_TLS_REJECTED('Expected both tls.certFile and tls.keyFile for mutual TLS but only one was given', { ...files });
  }
  return out;
}

function read(key: string, path: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw publishErrors.EDGE_PUBLISH_TLS_REJECTED(`Expected a readable PEM file for tls.${key} but could not read ${path}: ${(err as Error).message}`, { key, path }, err);
  }
  if (!data.includes('-----BEGIN ')) {
    throw publishErrors.EDGE_PUBLISH_TLS_REJECTED(`Expected PEM text ("-----BEGIN ...") in tls.${key} but ${path} holds something else`, { key, path });
  }
  return data;
}

/**
 * A device's private key is its identity: one readable by other users of the board can be copied
 * and used to impersonate the device, so the agent refuses to use it (as ssh does).
 */
function refuseSharedKey(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return; // read() reports the missing file with its own message
  }
  if ((mode & 0o077) !== 0) {
    throw publishErrors.EDGE_PUBLISH_TLS_REJECTED(
      `Expected the private key ${path} to be readable by its owner only but its mode is ${(mode & 0o777).toString(8).padStart(3, '0')}; run \`chmod 600 ${path}\` (and \`chown\` it to the agent's user)`,
      { key: 'keyFile', path, mode: mode & 0o777 },
    );
  }
}

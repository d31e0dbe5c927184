/** Test certificates made with openssl: a CA, a broker certificate for 127.0.0.1, a client, and a rogue client. */
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of the generated PEM files. */
export interface TestCerts {
  caFile: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate signed by a CA the broker does not know. */
  rogueCert: string;
  rogueKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(dir: string, name: string): void {
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', name]);
  // The agent refuses a private key readable by others, as a device's key must be kept.
  chmodSync(join(dir, name), 0o600);
}

function selfSigned(dir: string, key: string, cert: string, cn: string): void {
  newKey(dir, key);
  openssl(dir, ['req', '-x509', '-new', '-key', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function signed(dir: string, name: string, cn: string, caCert: string, caKey: string, ext: string): void {
  newKey(dir, `${name}.key`);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
}

/** Generates everything in `dir` (about a tenth of a second with EC keys). */
export function makeTestCerts(dir: string, clientCn: string): TestCerts {
  selfSigned(dir, 'ca.key', 'ca.crt', 'edge-agent test CA');
  selfSigned(dir, 'rogue-ca.key', 'rogue-ca.crt', 'rogue CA');
  signed(dir, 'server', 'localhost', 'ca.crt', 'ca.key', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'client', clientCn, 'ca.crt', 'ca.key', 'extendedKeyUsage=clientAuth\n');
  signed(dir, 'rogue', clientCn, 'rogue-ca.crt', 'rogue-ca.key', 'extendedKeyUsage=clientAuth\n');
  const p = (f: string): string => join(dir, f);
  return {
    caFile: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    rogueCert: p('rogue.crt'),
    rogueKey: p('rogue.key'),
  };
}

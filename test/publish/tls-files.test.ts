import t from 'tap';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTlsFiles } from '../../agent/publish/tls-files.js';

const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;

t.test('a private key readable by others is refused with the chmod to run', async (t) => {
  const dir = t.testdir();
  const cert = join(dir, 'device.crt');
  const key = join(dir, 'device.key');
  writeFileSync(cert, pem('CERTIFICATE'));
  writeFileSync(key, pem('PRIVATE KEY'));
  chmodSync(key, 0o644);
  t.throws(() => loadTlsFiles({ certFile: cert, keyFile: key }), { code: 'EDGE_PUBLISH_TLS_REJECTED', message: new RegExp(`mode is 644; run \`chmod 600 ${key.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\``) });
  chmodSync(key, 0o600);
  const m = loadTlsFiles({ certFile: cert, keyFile: key });
  t.ok(m.key?.toString().includes('PRIVATE KEY'), 'an owner-only key is read');
});

t.test('certificate without key, and a file that is not PEM, are refused', async (t) => {
  const dir = t.testdir({ 'a.crt': pem('CERTIFICATE'), 'junk.pem': 'not pem' });
  t.throws(() => loadTlsFiles({ certFile: join(dir, 'a.crt') }), { message: /both tls\.certFile and tls\.keyFile/ });
  t.throws(() => loadTlsFiles({ caFile: join(dir, 'junk.pem') }), { message: /Expected PEM text/ });
});

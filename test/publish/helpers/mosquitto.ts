/**
 * A real Mosquitto 2 per test: a generated config on a free loopback port, started as a child
 * process, killed in teardown. `kill('SIGKILL')` and `start()` again simulate a broker crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

/** TLS listener settings (mutual TLS when requireCertificate). */
export interface BrokerTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  requireCertificate: boolean;
}

/** What to put in the generated mosquitto.conf. */
export interface BrokerOptions {
  dir: string;
  tls?: BrokerTls;
  /** Bytes; bigger publishes are refused (PUBACK 0x95 for MQTT 5 clients). */
  messageSizeLimit?: number;
  /** ACL file contents; anonymous clients get the `user` lines of no user (pattern/topic lines at the top). */
  acl?: string;
}

/** A running (or stopped) broker. */
export interface Broker {
  port: number;
  url: string;
  /** Set when options.tls was given. */
  tlsUrl: string | undefined;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** The broker's stderr so far, for failure messages. */
  log(): string;
}

/** Path of the broker binary (Debian puts it in /usr/sbin). */
export const mosquittoPath = existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Writes the config and returns a broker that is not started yet; `t.teardown(() => broker.kill())` is the caller's. */
export async function createBroker(options: BrokerOptions): Promise<Broker> {
  const port = await freePort();
  const tlsPort = options.tls === undefined ? undefined : await freePort();
  const lines = ['per_listener_settings false', 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'user root'];
  if (options.messageSizeLimit !== undefined) lines.push(`message_size_limit ${options.messageSizeLimit}`);
  if (options.acl !== undefined) {
    const aclFile = join(options.dir, 'acl');
    writeFileSync(aclFile, options.acl);
    lines.push(`acl_file ${aclFile}`);
  }
  lines.push(`listener ${port} 127.0.0.1`);
  if (options.tls !== undefined && tlsPort !== undefined) {
    lines.push(`listener ${tlsPort} 127.0.0.1`, `cafile ${options.tls.caFile}`, `certfile ${options.tls.certFile}`, `keyfile ${options.tls.keyFile}`);
    lines.push(`require_certificate ${options.tls.requireCertificate}`);
  }
  const configFile = join(options.dir, 'mosquitto.conf');
  writeFileSync(configFile, `${lines.join('\n')}\n`);

  let child: ChildProcess | undefined;
  let stderr = '';
  const waitPort = async (p: number): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      if (child === undefined || child.exitCode !== null) throw new Error(`mosquitto exited early:\n${stderr}`);
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(p, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`mosquitto did not listen on ${p}:\n${stderr}`);
  };
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    tlsUrl: tlsPort === undefined ? undefined : `mqtts://127.0.0.1:${tlsPort}`,
    async start() {
      child = spawn(mosquittoPath, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      await waitPort(port);
      if (tlsPort !== undefined) await waitPort(tlsPort);
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill(signal);
      });
    },
    log: () => stderr,
  };
}

/**
 * A real Mosquitto for the fault suite: listeners on the addresses a scenario gives (loopback, or
 * a veth address the scenario assigned), notice-level logging kept so connections can be counted.
 * Persistence is on and `stop()` is a SIGTERM, so the checking subscriber's session and its queued
 * messages outlive a restart, as on a production broker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, mosquittoPath } from '../../publish/helpers/mosquitto.js';
import { sleep } from './scenario.js';

/** A broker that can be stopped and started again on the same port. */
export interface FaultBroker {
  port: number;
  /** URL on 127.0.0.1 (the checking subscriber's). */
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Everything Mosquitto logged so far, across restarts. */
  log(): string;
  /** Connections Mosquitto accepted from `clientId` so far ("New client connected ... as ID"). */
  connectionsOf(clientId: string): number;
}

/** Writes the config; `extraHosts` are further addresses to listen on (same port). */
export async function createFaultBroker(dir: string, extraHosts: readonly string[] = []): Promise<FaultBroker> {
  const port = await freePort();
  const lines = ['per_listener_settings false', 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'log_dest stderr', 'log_type error', 'log_type warning', 'log_type notice', 'log_type information', 'user root', 'max_queued_messages 100000'];
  for (const host of ['127.0.0.1', ...extraHosts]) lines.push(`listener ${port} ${host}`);
  const configFile = join(dir, 'mosquitto.conf');
  writeFileSync(configFile, `${lines.join('\n')}\n`);
  let child: ChildProcess | undefined;
  let log = '';
  const listening = async (): Promise<boolean> =>
    new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      const c = spawn(mosquittoPath, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      c.stderr?.on('data', (d: Buffer) => {
        log += d.toString();
      });
      for (let i = 0; i < 400; i++) {
        if (c.exitCode !== null) throw new Error(`mosquitto exited at start:\n${log}`);
        if (await listening()) return;
        await sleep(25);
      }
      throw new Error(`mosquitto did not listen on ${port}:\n${log}`);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    },
    log: () => log,
    connectionsOf: (clientId) => log.split('\n').filter((l) => l.includes('New client connected') && l.includes(` as ${clientId} `)).length,
  };
}

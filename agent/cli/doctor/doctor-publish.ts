/**
 * Doctor's publishing check: can the broker be reached at all? A TCP connect to the broker's
 * host and port with a short timeout, closed at once: no MQTT session is opened, so doctor never
 * takes over the running agent's session (same client id) or counts against a broker's limits.
 * For greengrass, the nucleus's IPC socket must exist.
 */
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import type { AgentConfig } from '../../config/schema.js';
import type { GreengrassEnvironment } from '../../config/environment.js';
import type { DoctorCheck } from './doctor-check.js';

const defaultPorts: Readonly<Record<string, number>> = { 'mqtt:': 1883, 'tcp:': 1883, 'mqtts:': 8883, 'ssl:': 8883, 'ws:': 80, 'wss:': 443 };

/** Host and port of a broker URL (credentials never leave this function). */
export function brokerAddress(url: string): { host: string; port: number } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const port = parsed.port === '' ? defaultPorts[parsed.protocol] : Number(parsed.port);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return port === undefined || host === '' ? undefined : { host, port };
}

/** Resolves with undefined when a TCP connection opens, else with the error code. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome: string | undefined): void => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** The publishing check for the configured transport; `where` names the config file for the fix. */
export async function publishCheck(config: AgentConfig, greengrass: GreengrassEnvironment, where: string, timeoutMs: number): Promise<DoctorCheck> {
  const p = config.publish;
  const name = 'broker';
  if (p.transport === 'none') return { name, status: 'ok', detail: 'publish.transport is none: results stay in the outbox' };
  if (p.transport === 'greengrass') {
    const socket = greengrass.socketPath;
    if (socket === undefined) {
      return {
        name,
        status: 'problem',
        detail: 'publish.transport is greengrass but AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT is not set',
        fix: 'the greengrass transport works only inside a Greengrass component (run doctor from the component, or use mqtt or aws-iot elsewhere)',
      };
    }
    let isSocket = false;
    try {
      isSocket = statSync(socket).isSocket();
    } catch {
      // Absent: reported below.
    }
    return isSocket
      ? { name, status: 'ok', detail: `Greengrass IPC socket ${socket} exists` }
      : { name, status: 'problem', detail: `Greengrass IPC socket ${socket} does not exist or is not a socket`, fix: 'check that the Greengrass nucleus is running (`sudo systemctl status greengrass`)' };
  }
  const address = p.brokerUrl === undefined ? undefined : brokerAddress(p.brokerUrl);
  if (address === undefined) {
    return { name, status: 'problem', detail: `publish.brokerUrl names no host and port (transport ${p.transport})`, fix: `set publish.brokerUrl in ${where}, e.g. mqtt://host:1883` };
  }
  const target = `${address.host}:${address.port}`;
  const failure = await tcpProbe(address.host, address.port, timeoutMs);
  if (failure === undefined) return { name, status: 'ok', detail: `${target} accepts TCP connections (transport ${p.transport}; no MQTT session opened)` };
  return {
    name,
    status: 'problem',
    detail: `cannot open a TCP connection to ${target}: ${failure} (transport ${p.transport})`,
    fix: `start the broker or correct publish.brokerUrl in ${where}; check that the network and any firewall allow port ${address.port}. The agent keeps results in the outbox until it connects`,
  };
}

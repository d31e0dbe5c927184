/**
 * The only module that reads `process.env`. Everything else receives these values as arguments,
 * so tests and the composition root decide them explicitly.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * This process's environment, for code that hands it on whole (the config loader reads the
 * EDGE_AGENT_* variables from it; `run` passes a copy to the Greengrass configuration follower).
 */
export function processEnvironment(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

/**
 * Variables read before any configuration is loaded. Every other EDGE_AGENT_* variable (data
 * directory, model store, ...) is a config key and reaches the code through loadConfig, so a
 * command never bypasses the configuration.
 */
export interface AgentEnvironment {
  /** EDGE_AGENT_LOG_LEVEL, for the CLI's own logger. */
  logLevel: string | undefined;
}

/** Reads the agent's pre-configuration variables; empty strings count as unset. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): AgentEnvironment {
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  return { logLevel: get('EDGE_AGENT_LOG_LEVEL') };
}

/**
 * Default data directory: a system service (root, or systemd's StateDirectory) uses
 * /var/lib/edge-agent; a person at the shell gets ~/.local/share/edge-agent, so trying the CLI
 * never needs root.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['STATE_DIRECTORY']) return env['STATE_DIRECTORY'].split(':')[0] as string;
  if (typeof process.getuid === 'function' && process.getuid() === 0) return '/var/lib/edge-agent';
  const xdg = env['XDG_DATA_HOME'];
  return join(xdg && xdg !== '' ? xdg : join(homedir(), '.local', 'share'), 'edge-agent');
}

/** Directories of PATH, in order, for finding camera tools (rpicam-vid, ffmpeg) without a shell. */
export function executableSearchPath(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env['PATH'] ?? '').split(':').filter((dir) => dir !== '');
}

/** What systemd tells a `Type=notify` service: where to send notifications and the watchdog interval. */
export interface ServiceManagerEnvironment {
  /** $NOTIFY_SOCKET, undefined outside a notify service. */
  notifySocket: string | undefined;
  /** $WATCHDOG_USEC, undefined without WatchdogSec=. */
  watchdogUsec: string | undefined;
}

/** Reads the service manager's variables. */
export function serviceManagerEnvironment(env: NodeJS.ProcessEnv = process.env): ServiceManagerEnvironment {
  return { notifySocket: env['NOTIFY_SOCKET'] || undefined, watchdogUsec: env['WATCHDOG_USEC'] || undefined };
}

/** What the Greengrass nucleus gives a component for IPC (docs/deploy-greengrass.md). */
export interface GreengrassEnvironment {
  /** $AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT */
  socketPath: string | undefined;
  /** $SVCUID, the component's IPC auth token. */
  authToken: string | undefined;
  /** $AWS_IOT_THING_NAME */
  thingName: string | undefined;
}

/** Reads the variables the nucleus sets for a component's processes. */
export function greengrassEnvironment(env: NodeJS.ProcessEnv = process.env): GreengrassEnvironment {
  return {
    socketPath: env['AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT'] || undefined,
    authToken: env['SVCUID'] || undefined,
    thingName: env['AWS_IOT_THING_NAME'] || undefined,
  };
}

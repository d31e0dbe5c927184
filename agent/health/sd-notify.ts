/**
 * systemd's notify protocol for `Type=notify` with `WatchdogSec=`: the agent sends `READY=1`
 * once it is serving, `WATCHDOG=1` at less than the watchdog interval while its loop is alive,
 * and `STOPPING=1` on shutdown, each a datagram on the AF_UNIX socket named by $NOTIFY_SOCKET
 * (a leading `@` means the abstract namespace).
 *
 * Node.js has no AF_UNIX datagram sockets, so one relay child (python3, installed on Raspberry
 * Pi OS and Jetson Linux) forwards each line written to its stdin as one datagram. It lives as
 * long as the agent, so systemd can attribute every datagram to the service's control group
 * (the unit says NotifyAccess=all); a short-lived `systemd-notify` per message races with
 * systemd reading the sender's cgroup and loses messages, which under a watchdog is a restart.
 * Outside systemd (no $NOTIFY_SOCKET) the notifier does nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../log/logger.js';

/** Where to send, as systemd gave it; read by agent/config from NOTIFY_SOCKET and WATCHDOG_USEC. */
export interface SdNotifyOptions {
  /** $NOTIFY_SOCKET; undefined outside a notify service. */
  socketPath: string | undefined;
  logger: Logger;
  /** The python interpreter of the relay; default `python3` on PATH. */
  python?: string;
}

/** The messages the agent sends to its service manager. */
export interface SdNotifier {
  /** False outside systemd or when the relay could not start. */
  readonly enabled: boolean;
  /** Startup finished: models loaded, outbox open, health endpoint listening. */
  ready(): void;
  /** The main loop is alive; send at least every `watchdogIntervalMs(WATCHDOG_USEC)`. */
  watchdog(): void;
  /** Shutdown began, so a slow drain is not mistaken for a hang. */
  stopping(): void;
  /** One line shown by `systemctl status`. */
  status(text: string): void;
  /** Ends the relay; sends nothing after. */
  close(): Promise<void>;
}

// One datagram per stdin line; `@name` is the abstract namespace.
const RELAY = [
  'import socket, sys',
  'path = sys.argv[1]',
  "path = '\\0' + path[1:] if path.startswith('@') else path",
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
  'for line in sys.stdin.buffer:',
  "    s.sendto(line.rstrip(b'\\n'), path)",
].join('\n');

/**
 * Half of systemd's WATCHDOG_USEC in milliseconds (sd_watchdog_enabled(3) advises pinging at
 * half the interval), or undefined when no watchdog is set.
 */
export function watchdogIntervalMs(watchdogUsec: string | undefined): number | undefined {
  if (watchdogUsec === undefined || !/^\d+$/.test(watchdogUsec)) return undefined;
  const usec = Number(watchdogUsec);
  return usec > 0 ? Math.max(1, Math.floor(usec / 2000)) : undefined;
}

/** A notifier for the socket in `options`; a no-op one when there is none. */
export function createSdNotifier(options: SdNotifyOptions): SdNotifier {
  if (options.socketPath === undefined || options.socketPath === '') return disabledNotifier();
  const python = options.python ?? 'python3';
  let relay: ChildProcess | undefined = spawn(python, ['-u', '-c', RELAY, options.socketPath], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  relay.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  relay.on('error', (err) => {
    options.logger.warn({ err, socketPath: options.socketPath }, `sd_notify relay ${python} could not start; systemd will not see READY=1 or watchdog pings (install python3)`);
    relay = undefined;
  });
  relay.on('exit', (code, signal) => {
    if (relay !== undefined && (code !== 0 || signal !== null)) {
      options.logger.warn({ code, signal, stderr: stderr.trim(), socketPath: options.socketPath }, 'sd_notify relay exited; systemd notifications stopped');
    }
    relay = undefined;
  });
  relay.stdin?.on('error', () => undefined);
  const send = (message: string): void => {
    relay?.stdin?.write(`${message.replace(/\n/g, ' ')}\n`);
  };
  return {
    get enabled() {
      return relay !== undefined;
    },
    ready: () => send('READY=1'),
    watchdog: () => send('WATCHDOG=1'),
    stopping: () => send('STOPPING=1'),
    status: (text) => send(`STATUS=${text}`),
    close: () =>
      new Promise<void>((resolve) => {
        const child = relay;
        if (child === undefined || child.exitCode !== null) {
          resolve();
          return;
        }
        relay = undefined;
        child.once('exit', () => resolve());
        // Closing stdin ends the relay's loop after it sent what was written.
        child.stdin?.end();
      }),
  };
}

function disabledNotifier(): SdNotifier {
  return {
    enabled: false,
    ready: () => undefined,
    watchdog: () => undefined,
    stopping: () => undefined,
    status: () => undefined,
    close: () => Promise.resolve(),
  };
}

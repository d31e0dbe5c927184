/**
 * The agent's side of its supervisor's watchdog. Every interval it either says "alive" (systemd's
 * `WATCHDOG=1` and a status line) or, once something only a restart fixes has happened (a model
 * given up after too many session rebuilds), stops saying it:
 * - watched (systemd with `WatchdogSec=`): the pings stop, so systemd kills and restarts the
 *   service after `WatchdogSec`; the status line says why in `systemctl status`.
 * - not watched (the Greengrass nucleus, a shell): nothing would ever notice missing pings, so
 *   `onRestartNeeded` is called once and the caller shuts down and exits non-zero, which the
 *   nucleus answers with a restart.
 * Pings come from a timer on the event loop, so an event loop that stops turning stops them too.
 */
import type { Logger } from '../log/logger.js';
import type { SdNotifier } from './sd-notify.js';

/** What the watchdog needs. */
export interface WatchdogOptions {
  /** Where pings and status lines go (the sd_notify relay; a recorder in tests). */
  notifier: Pick<SdNotifier, 'watchdog' | 'status'>;
  /** Ping period; half of systemd's WatchdogSec under systemd. */
  intervalMs: number;
  /** True when a service manager restarts the agent if the pings stop (systemd with WatchdogSec). */
  watched: boolean;
  /** The reason the agent needs a restart, or undefined while it does not (ReadinessTracker.restartNeeded). */
  restartNeeded: () => string | undefined;
  /** The status line sent with each ping. */
  status: () => string;
  /** Called once when a restart is needed and nobody watches the pings; the caller exits non-zero. */
  onRestartNeeded: (reason: string) => void;
  logger: Logger;
}

/** A running watchdog. */
export interface Watchdog {
  /** One round now (the timer calls it too): ping, or act on a needed restart. */
  tick(): void;
  /** The reason a restart was asked for, once it was. */
  readonly restartReason: string | undefined;
  /** Stops the timer; nothing is sent after. */
  stop(): void;
}

/** Starts pinging every `intervalMs`. */
export function startWatchdog(options: WatchdogOptions): Watchdog {
  let reason: string | undefined;
  const tick = (): void => {
    try {
      const needed = reason ?? options.restartNeeded();
      if (needed === undefined) {
        options.notifier.watchdog();
        options.notifier.status(options.status());
        return;
      }
      options.notifier.status(`restart needed: ${needed}`);
      if (reason !== undefined) return;
      reason = needed;
      if (options.watched) {
        options.logger.error({ reason: needed }, `restart needed: ${needed}; stopped sending WATCHDOG=1, so systemd restarts the service when WatchdogSec runs out`);
      } else {
        options.logger.error({ reason: needed }, `restart needed: ${needed}; no watchdog watches this process, so the agent stops and exits with status 1 for its supervisor to restart it`);
        options.onRestartNeeded(needed);
      }
    } catch (err) {
      // Nothing throws from a timer: a failing status line must not take the process down.
      options.logger.warn({ err }, 'watchdog round failed');
    }
  };
  const timer = setInterval(tick, options.intervalMs);
  return {
    tick,
    get restartReason() {
      return reason;
    },
    stop: () => clearInterval(timer),
  };
}

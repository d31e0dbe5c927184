/**
 * Builds the console in two steps, because the composition root needs its parts at different
 * times: `createConsole` first (the frame tap the camera loops get, the warnings watcher around
 * the logger, the token), then `serve` once the agent runs (mounted on the health server, or on
 * a server of its own).
 */
import type { Logger } from '../log/logger.js';
import type { HealthServer } from '../health/health-server.js';
import type { ReadinessTracker } from '../health/readiness.js';
import type { Outbox } from '../outbox/outbox.js';
import type { RunnerPool } from '../pipeline/runner-pool.js';
import type { Drainer } from '../publish/drainer.js';
import type { Publisher } from '../publish/publisher.js';
import { tokenRequired } from './access.js';
import { FrameBoard } from './board.js';
import { startConsoleServer, type ConsoleServer } from './console-server.js';
import { StateSampler } from './console-state.js';
import { LocalConsole } from './local-console.js';
import { RecentWarnings } from './recent-warnings.js';
import type { ConsoleSettings } from './settings.js';
import { NO_SCENE, sceneOf, type SceneConfig } from './scene-view.js';
import type { ConsoleCamera, ConsoleSources } from './sources.js';
import { readOrCreateToken } from './token.js';

/** The parts of the running agent the console reads (AgentRuntime has them all). */
export interface ConsoleRuntimeView {
  /** The configuration in force (it changes on a live reconfiguration): the device id, and each camera's zones and lines. */
  readonly config: { readonly deviceId: string; readonly cameras: readonly SceneConfig[] };
  readonly cameras: readonly ConsoleCamera[];
  readonly outbox: Pick<Outbox, 'status'>;
  readonly publishing: { readonly publisher: Publisher; readonly drainer: Drainer } | undefined;
  readonly runners: RunnerPool;
  readonly readiness: Pick<ReadinessTracker, 'check'>;
}

/** A console made but not yet serving. */
export interface AgentConsole {
  /** The frame tap for the camera loops. */
  readonly tap: FrameBoard;
  /** `logger`, with its warnings also shown on the page. */
  watch(logger: Logger): Logger;
  /** Starts answering: on `health` when the console shares its server, else on its own. */
  serve(runtime: ConsoleRuntimeView, health: HealthServer | undefined, logger: Logger): Promise<void>;
  /** Where it answers, once serving; undefined when it does not. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

/** The sources the console reads, from the running agent. */
export function runtimeSources(rt: ConsoleRuntimeView): ConsoleSources {
  return {
    deviceId: rt.config.deviceId,
    cameras: () => rt.cameras,
    outboxStatus: () => rt.outbox.status(),
    publisher: () => (rt.publishing === undefined ? undefined : { transport: rt.publishing.publisher.transport, connected: rt.publishing.publisher.isReady(), stats: rt.publishing.drainer.stats() }),
    models: () => rt.runners.ids().map((id) => {
      const runner = rt.runners.get(id);
      return { id, variant: runner.manifest.id, provider: runner.session.provider };
    }),
    readiness: () => rt.readiness.check(),
  };
}

/** Makes the tap, the warnings ring and the token (at first start, mode 0600); never throws. */
export function createConsole(settings: ConsoleSettings): AgentConsole {
  const board = new FrameBoard();
  const warnings = new RecentWarnings(settings.recentWarnings);
  // Made even on loopback, so `edge-agent console url` works the day the console is opened up.
  // The console is optional: a token file that cannot be made (a full disk) never stops the agent.
  let token: string | undefined;
  let tokenError: unknown;
  try {
    token = readOrCreateToken(settings.tokenFile);
  } catch (err) {
    tokenError = err;
  }
  let local: LocalConsole | undefined;
  let server: ConsoleServer | undefined;
  let url: string | undefined;
  return {
    tap: board,
    watch: (logger) => warnings.watch(logger),
    get url() {
      return url;
    },
    async serve(runtime, health, logger) {
      const host = settings.listen.host;
      if (tokenRequired(host) && token === undefined) {
        logger.error({ err: tokenError, host }, 'console not served: it is bound off loopback and its token could not be made or read');
        return;
      }
      if (tokenError !== undefined) logger.warn({ err: tokenError }, 'console token could not be made or read; the console on loopback needs none');
      board.sceneOf = (camera) => {
        const configured = runtime.config.cameras.find((c) => c.name === camera);
        return configured === undefined ? NO_SCENE : sceneOf(configured);
      };
      const sampler = new StateSampler(runtimeSources(runtime), board, warnings, settings.frameIntervalMs);
      local = new LocalConsole(board, sampler, { frameIntervalMs: settings.frameIntervalMs, maxViewers: settings.maxViewers, token: tokenRequired(host) ? token : undefined, logger });
      const routes = local.handle.bind(local);
      if (settings.listen.shared) {
        if (health === undefined) {
          logger.warn('console not served: it shares the health server (console.port is null) and health.enabled is false; set console.port to serve it on its own');
          return;
        }
        health.mount(routes);
        url = health.url;
      } else {
        server = await startConsoleServer(host, settings.listen.port, routes);
        url = server.url;
      }
      local.start();
      logger.info({ url, tokenRequired: tokenRequired(host) }, 'console listening; `edge-agent console url` prints its address');
    },
    async close() {
      local?.close();
      await server?.close();
    },
  };
}

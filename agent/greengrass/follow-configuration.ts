/**
 * Live reconfiguration under Greengrass: the component configuration key `agent` is the agent's
 * configuration, and this follows it over the nucleus's IPC socket.
 *
 * - A deployment that changes it first asks us to validate the proposal: we run the same loader
 *   as at start on the proposed `agent` value and answer REJECTED with the loader's message when
 *   it fails, so a bad deployment fails at the nucleus with our words and never reaches the agent.
 * - When the configuration changed, we read `agent` again (GetConfiguration), load it and hand it
 *   to `runtime.reconfigure`, which loads new models beside the old ones and keeps the old setup
 *   when anything cannot start. A refused update is logged; the old configuration keeps running.
 * - Before the nucleus stops the component for an update, we ask it to wait (DeferComponentUpdate)
 *   while the outbox is draining, a bounded number of times, then let the update go.
 *
 * It uses its own IPC connection, separate from the publisher's, and reconnects when the nucleus
 * goes away; failures here degrade to "no live reconfiguration", logged, never to a stopped agent.
 */
import type { AgentConfig } from '../config/schema.js';
import { configErrors } from '../config/errors.js';
import { describeError } from '../errors/agent-error.js';
import type { Logger } from '../log/logger.js';
import {
  getConfiguration,
  sendConfigurationValidityReport,
  subscribeToConfigurationUpdate,
  subscribeToValidateConfigurationUpdates,
} from './configuration-operations.js';
import { IpcClient, IpcServiceError, type IpcSubscription } from './ipc-client.js';
import { deferComponentUpdate, subscribeToComponentUpdates, type ComponentUpdateEvent } from './lifecycle-operations.js';
import type { ReconfigureResult } from '../config/reconfigure-result.js';

/** The component configuration key that holds the agent's configuration (greengrass/recipes/agent.recipe.json). */
export const AGENT_CONFIGURATION_KEY = 'agent';

/** What the follower needs of the running agent. */
export interface Reconfigurable {
  readonly config: AgentConfig;
  reconfigure(next: AgentConfig): Promise<ReconfigureResult>;
}

/** How to follow the component configuration. */
export interface GreengrassConfigOptions {
  runtime: Reconfigurable;
  /** AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT, read by agent/config. */
  socketPath: string;
  /** SVCUID, read by agent/config. */
  authToken: string;
  /** Turns the `agent` value into a validated configuration, as at start; throws EDGE_CONFIG_* errors. */
  loadFrom(values: Record<string, unknown>): AgentConfig;
  logger: Logger;
  /** True while results wait in the outbox and the publisher is connected (a drain in progress). */
  isDraining(): boolean;
  /** How long the nucleus is asked to wait per deferral (default 10 s). */
  deferRecheckMs?: number;
  /** Deferrals per deployment before the update is let go anyway (default 6, so about a minute). */
  maxDeferrals?: number;
  /** Quiet time that gathers a deployment's per-key update events into one reload (default 200 ms). */
  settleMs?: number;
  connectTimeoutMs?: number;
  /** Longest wait between reconnection attempts (default 30 s). */
  maxReconnectDelayMs?: number;
}

/** What the follower did, for logs and tests. */
export interface GreengrassConfigCounts {
  /** Configurations applied through runtime.reconfigure. */
  applied: number;
  /** Proposals answered REJECTED plus updates refused (invalid, or the runtime could not apply them). */
  rejected: number;
  /** Proposals answered ACCEPTED. */
  accepted: number;
  /** DeferComponentUpdate requests that asked the nucleus to wait. */
  deferred: number;
}

/** A running follower. */
export interface GreengrassConfigFollower {
  counts(): GreengrassConfigCounts;
  /** The result of the last configuration applied, if any. */
  lastApplied(): ReconfigureResult | undefined;
  /** Resolves once every configuration change heard so far has been applied or refused. */
  settled(): Promise<void>;
  /** Ends the subscriptions and the connection; waits for a reconfiguration in progress. */
  stop(): Promise<void>;
}

/** Connects to the nucleus and follows the `agent` configuration until stopped. Never throws for IPC failures: it logs and retries. */
export async function followGreengrassConfiguration(options: GreengrassConfigOptions): Promise<GreengrassConfigFollower> {
  const follower = new Follower(options);
  await follower.connect();
  return follower;
}

class Follower implements GreengrassConfigFollower {
  private readonly logger: Logger;
  private readonly counters: GreengrassConfigCounts = { applied: 0, rejected: 0, accepted: 0, deferred: 0 };
  private readonly deferralsByDeployment = new Map<string, number>();
  private client: IpcClient | undefined;
  private subscriptions: IpcSubscription[] = [];
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private last: ReconfigureResult | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs = 1_000;
  private stopped = false;

  constructor(private readonly options: GreengrassConfigOptions) {
    this.logger = options.logger;
  }

  counts(): GreengrassConfigCounts {
    return { ...this.counters };
  }

  lastApplied(): ReconfigureResult | undefined {
    return this.last;
  }

  async settled(): Promise<void> {
    while (this.syncing !== undefined) await this.syncing;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.disconnect();
    await this.settled();
    this.logger.info({ ...this.counters }, 'stopped following the Greengrass component configuration');
  }

  /** One connection attempt with its subscriptions; on failure, schedules the next. */
  async connect(): Promise<void> {
    const client = new IpcClient();
    try {
      await client.connect(this.options.socketPath, this.options.authToken, this.options.connectTimeoutMs ?? 10_000);
      if (this.stopped) return client.close();
      this.client = client;
      client.onClosed((cause) => this.lost(client, cause));
      const onEnd = (what: string) => (cause: Error) => {
        // A stream that ends on a live connection is the nucleus's doing; start over cleanly.
        if (this.client === client && !this.stopped) this.lost(client, new Error(`the ${what} stream ended: ${cause.message}`));
      };
      this.subscriptions = [
        await subscribeToValidateConfigurationUpdates(client, { onEvent: (e) => void this.validate(client, e.deploymentId, e.configuration), onEnd: onEnd('validate-configuration') }),
        await subscribeToConfigurationUpdate(client, [AGENT_CONFIGURATION_KEY], { onEvent: () => this.requestSync(), onEnd: onEnd('configuration-update') }),
        await subscribeToComponentUpdates(client, { onEvent: (e) => void this.componentUpdate(client, e), onEnd: onEnd('component-update') }),
      ];
    } catch (err) {
      if (this.client === client) this.client = undefined;
      client.close();
      const unauthorized = err instanceof IpcServiceError && err.shape === 'aws.greengrass#UnauthorizedError';
      this.logger.error(
        { err: describeError(err), socketPath: this.options.socketPath },
        unauthorized
          ? 'live reconfiguration is off: the nucleus refused a configuration operation; the recipe must grant aws.greengrass.ipc.config GetConfiguration, SubscribeToConfigurationUpdate, SubscribeToValidateConfigurationUpdates and SendConfigurationValidityReport'
          : 'could not follow the Greengrass component configuration; retrying',
      );
      if (!unauthorized) this.scheduleReconnect();
      return;
    }
    this.reconnectDelayMs = 1_000;
    this.logger.info({ socketPath: this.options.socketPath }, 'following the Greengrass component configuration');
    // Catch up with what changed between the nucleus writing our start-up file and now (or while disconnected).
    this.requestSync(0);
  }

  private lost(client: IpcClient, cause: Error): void {
    if (this.client !== client) return;
    this.disconnect();
    if (this.stopped) return;
    this.logger.warn({ err: cause.message }, 'lost the IPC connection that follows the component configuration; reconnecting');
    this.scheduleReconnect();
  }

  private disconnect(): void {
    const client = this.client;
    this.client = undefined;
    for (const s of this.subscriptions) s.close();
    this.subscriptions = [];
    client?.close();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, this.options.maxReconnectDelayMs ?? 30_000);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  /** Answers a deployment's proposal: ACCEPTED when the loader takes it, REJECTED with its message otherwise. */
  private async validate(client: IpcClient, deploymentId: string, configuration: Record<string, unknown>): Promise<void> {
    let status: 'ACCEPTED' | 'REJECTED' = 'ACCEPTED';
    let message: string | undefined;
    try {
      this.options.loadFrom(agentValues(configuration[AGENT_CONFIGURATION_KEY]));
    } catch (err) {
      status = 'REJECTED';
      message = describeError(err);
    }
    try {
      await sendConfigurationValidityReport(client, { status, deploymentId, ...(message === undefined ? {} : { message }) });
    } catch (err) {
      this.logger.error({ deploymentId, err: describeError(err) }, 'could not send the configuration validity report');
      return;
    }
    if (status === 'ACCEPTED') this.counters.accepted += 1;
    else this.counters.rejected += 1;
    const log = { deploymentId, status, ...(message === undefined ? {} : { reason: message }), ...this.counters };
    if (status === 'ACCEPTED') this.logger.info(log, 'proposed configuration accepted');
    else this.logger.warn(log, 'proposed configuration rejected; the deployment fails with this message');
  }

  /** Queues a reload; a burst of update events (one per changed key) becomes one reload. */
  private requestSync(settleMs = this.options.settleMs ?? 200): void {
    if (this.syncing !== undefined) {
      this.syncAgain = true;
      return;
    }
    const run = async (): Promise<void> => {
      await new Promise((r) => setTimeout(r, settleMs));
      do {
        this.syncAgain = false;
        await this.syncOnce();
      } while (this.syncAgain && !this.stopped);
    };
    this.syncing = run().finally(() => {
      this.syncing = undefined;
    });
  }

  private async syncOnce(): Promise<void> {
    const client = this.client;
    if (client === undefined || this.stopped) return;
    let values: unknown;
    try {
      values = await getConfiguration(client, [AGENT_CONFIGURATION_KEY]);
    } catch (err) {
      // No `agent` key means the defaults, as greengrass/run.sh writes `{}` for it at start.
      if (err instanceof IpcServiceError && err.shape === 'aws.greengrass#ResourceNotFoundError') values = {};
      else {
        this.logger.warn({ err: describeError(err) }, 'could not read the component configuration; the current one stays in force');
        return;
      }
    }
    let next: AgentConfig;
    try {
      next = this.options.loadFrom(agentValues(values));
    } catch (err) {
      this.counters.rejected += 1;
      this.logger.error({ err: describeError(err), ...this.counters }, 'configuration update refused: it is not valid; the current configuration keeps running');
      return;
    }
    if (JSON.stringify(next) === JSON.stringify(this.options.runtime.config)) return;
    try {
      this.last = await this.options.runtime.reconfigure(next);
      this.counters.applied += 1;
      this.logger.info({ ...this.counters, needsRestart: this.last.needsRestart }, 'configuration update applied');
    } catch (err) {
      this.counters.rejected += 1;
      this.logger.error({ err: describeError(err), ...this.counters }, 'configuration update refused: it could not be applied; the current configuration keeps running');
    }
  }

  /** Asks the nucleus to wait while the outbox drains, at most maxDeferrals times per deployment. */
  private async componentUpdate(client: IpcClient, event: ComponentUpdateEvent): Promise<void> {
    if (event.kind === 'post') {
      this.deferralsByDeployment.delete(event.deploymentId);
      return;
    }
    const recheckMs = this.options.deferRecheckMs ?? 10_000;
    const max = this.options.maxDeferrals ?? 6;
    const done = this.deferralsByDeployment.get(event.deploymentId) ?? 0;
    const draining = this.options.isDraining();
    const defer = draining && done < max;
    // Counted before the request goes out: the nucleus may ask again before our request returns.
    if (defer) {
      this.deferralsByDeployment.set(event.deploymentId, done + 1);
      this.counters.deferred += 1;
    }
    try {
      await deferComponentUpdate(client, defer
        ? { deploymentId: event.deploymentId, message: 'edge-agent is draining its outbox', recheckAfterMs: recheckMs }
        : { deploymentId: event.deploymentId, recheckAfterMs: 0 });
    } catch (err) {
      this.logger.warn({ deploymentId: event.deploymentId, err: describeError(err) }, 'could not answer the component update notice; the nucleus proceeds after its timeout');
      return;
    }
    if (defer) {
      this.logger.info({ deploymentId: event.deploymentId, recheckAfterMs: recheckMs, deferral: done + 1, maxDeferrals: max }, 'component update deferred while the outbox drains');
    } else if (draining) {
      this.logger.warn({ deploymentId: event.deploymentId, deferrals: done }, 'component update let go with results still pending: deferred as many times as allowed; they stay in the outbox and drain after the restart');
    } else {
      this.logger.info({ deploymentId: event.deploymentId, isGgcRestarting: event.isGgcRestarting }, 'component update may proceed');
    }
  }
}

/** The `agent` value as a mapping; absent or null counts as empty, as at start; anything else is refused. */
function agentValues(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  const got = Array.isArray(value) ? 'a list' : `${JSON.stringify(value)} of type ${typeof value}`;
  throw configErrors.EDGE_CONFIG_INVALID(`Expected a mapping of agent settings at the component configuration key \`${AGENT_CONFIGURATION_KEY}\` but received ${got}`, { key: AGENT_CONFIGURATION_KEY });
}

/**
 * The Greengrass IPC configuration operations (service aws.greengrass.ipc.config), with the
 * operation and shape names of the greengrasscoreipc model in aws-iot-device-sdk-v2: reading
 * the component's configuration, following its changes, and answering the nucleus when a
 * deployment asks the component to validate a proposed configuration.
 */
import type { IpcClient, IpcSubscription } from './ipc-client.js';

/** One changed key under a followed key path (ConfigurationUpdateEvent). */
export interface ConfigurationUpdateEvent {
  componentName: string;
  keyPath: string[];
}

/** A deployment's proposed configuration, awaiting a validity report (ValidateConfigurationUpdateEvent). */
export interface ValidateConfigurationEvent {
  deploymentId: string;
  /** The component's whole proposed configuration (its `agent` key is the agent's). */
  configuration: Record<string, unknown>;
}

/** What the component tells the nucleus about a proposed configuration (ConfigurationValidityReport). */
export interface ConfigurationValidityReport {
  status: 'ACCEPTED' | 'REJECTED';
  deploymentId: string;
  /** Why it is not valid; the deployment's status shows it. */
  message?: string;
}

/** Callbacks of a subscription. */
export interface EventHandlers<E> {
  onEvent(event: E): void;
  onEnd(cause: Error): void;
}

const NS = 'aws.greengrass#';

/** GetConfiguration: the value at `keyPath` of this component's configuration. */
export async function getConfiguration(client: IpcClient, keyPath: string[]): Promise<unknown> {
  const reply = await client.call(`${NS}GetConfiguration`, `${NS}GetConfigurationRequest`, { keyPath });
  return reply['value'];
}

/** SubscribeToConfigurationUpdate: an event per changed key at or under `keyPath`. */
export function subscribeToConfigurationUpdate(client: IpcClient, keyPath: string[], handlers: EventHandlers<ConfigurationUpdateEvent>): Promise<IpcSubscription> {
  return client.subscribe(`${NS}SubscribeToConfigurationUpdate`, `${NS}SubscribeToConfigurationUpdateRequest`, { keyPath }, {
    onEvent: (_shape, body) => {
      const e = body['configurationUpdateEvent'] as { componentName?: unknown; keyPath?: unknown } | undefined;
      if (e === undefined) return;
      handlers.onEvent({ componentName: typeof e.componentName === 'string' ? e.componentName : '', keyPath: Array.isArray(e.keyPath) ? e.keyPath.map(String) : [] });
    },
    onEnd: (cause) => handlers.onEnd(cause),
  });
}

/** SubscribeToValidateConfigurationUpdates: an event per deployment that changes this component's configuration. */
export function subscribeToValidateConfigurationUpdates(client: IpcClient, handlers: EventHandlers<ValidateConfigurationEvent>): Promise<IpcSubscription> {
  return client.subscribe(`${NS}SubscribeToValidateConfigurationUpdates`, `${NS}SubscribeToValidateConfigurationUpdatesRequest`, {}, {
    onEvent: (_shape, body) => {
      const e = body['validateConfigurationUpdateEvent'] as { deploymentId?: unknown; configuration?: unknown } | undefined;
      if (e === undefined) return;
      const configuration = e.configuration !== null && typeof e.configuration === 'object' && !Array.isArray(e.configuration) ? (e.configuration as Record<string, unknown>) : {};
      handlers.onEvent({ deploymentId: typeof e.deploymentId === 'string' ? e.deploymentId : '', configuration });
    },
    onEnd: (cause) => handlers.onEnd(cause),
  });
}

/** SendConfigurationValidityReport: accepts or rejects a proposed configuration. */
export async function sendConfigurationValidityReport(client: IpcClient, report: ConfigurationValidityReport): Promise<void> {
  await client.call(`${NS}SendConfigurationValidityReport`, `${NS}SendConfigurationValidityReportRequest`, { configurationValidityReport: report });
}

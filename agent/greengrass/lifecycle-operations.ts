/**
 * The Greengrass IPC component-lifecycle operations the agent uses (names from the
 * greengrasscoreipc model in aws-iot-device-sdk-v2): hearing that a deployment is about to
 * stop and update the component, and asking it to wait. They need no authorization policy.
 */
import type { EventHandlers } from './configuration-operations.js';
import type { IpcClient, IpcSubscription } from './ipc-client.js';

/** A ComponentUpdatePolicyEvents message: the nucleus is about to update (pre) or has updated (post). */
export type ComponentUpdateEvent =
  | { kind: 'pre'; deploymentId: string; /** The nucleus itself restarts for this deployment. */ isGgcRestarting: boolean }
  | { kind: 'post'; deploymentId: string };

/** A DeferComponentUpdate request; `recheckAfterMs` 0 tells the nucleus the component is ready now. */
export interface DeferComponentUpdate {
  deploymentId: string;
  message?: string;
  recheckAfterMs: number;
}

const NS = 'aws.greengrass#';

/** SubscribeToComponentUpdates: pre- and post-update events of deployments that touch this component. */
export function subscribeToComponentUpdates(client: IpcClient, handlers: EventHandlers<ComponentUpdateEvent>): Promise<IpcSubscription> {
  return client.subscribe(`${NS}SubscribeToComponentUpdates`, `${NS}SubscribeToComponentUpdatesRequest`, {}, {
    onEvent: (_shape, body) => {
      const pre = body['preUpdateEvent'] as { deploymentId?: unknown; isGgcRestarting?: unknown } | undefined;
      const post = body['postUpdateEvent'] as { deploymentId?: unknown } | undefined;
      if (pre !== undefined) handlers.onEvent({ kind: 'pre', deploymentId: typeof pre.deploymentId === 'string' ? pre.deploymentId : '', isGgcRestarting: pre.isGgcRestarting === true });
      else if (post !== undefined) handlers.onEvent({ kind: 'post', deploymentId: typeof post.deploymentId === 'string' ? post.deploymentId : '' });
    },
    onEnd: (cause) => handlers.onEnd(cause),
  });
}

/** DeferComponentUpdate: the nucleus sends another pre-update event after `recheckAfterMs` (0: go ahead). */
export async function deferComponentUpdate(client: IpcClient, request: DeferComponentUpdate): Promise<void> {
  await client.call(`${NS}DeferComponentUpdate`, `${NS}DeferComponentUpdateRequest`, request);
}

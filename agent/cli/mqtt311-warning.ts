/**
 * MQTT 3.1.1 has no reason code in PUBACK: a broker that refuses a publish (too large, not
 * authorized by its ACL) either acknowledges it and drops it, or drops the connection. The agent
 * then counts the result as delivered, with no dead letter. `run` and `doctor` both say so.
 */
import type { AgentConfig } from '../config/schema.js';

/** The warning, in one wording for the start-up log and doctor. */
export const MQTT_311_WARNING =
  'publish.mqttVersion is 3.1.1: the broker cannot tell the agent that it refused a publish (too large, or denied by an ACL); it acknowledges and drops it, so such results are lost with no dead letter and no log line (docs/messages.md)';

/** The fix for the warning. */
export const MQTT_311_FIX = 'set publish.mqttVersion to 5 if the broker supports MQTT 5 (Mosquitto 1.6 and later, EMQX, HiveMQ, AWS IoT Core)';

/** True when the configuration publishes over MQTT 3.1.1. */
export function refusalsUnseen(config: AgentConfig): boolean {
  return config.publish.transport === 'mqtt' && config.publish.mqttVersion === '3.1.1';
}

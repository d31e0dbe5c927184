/**
 * Topic names come from templates with `{thingName}` and `{modelId}`, so one fleet can follow
 * AWS IoT's `things/<name>/...` convention and another its own tree. Wildcards and placeholders
 * the template does not know are refused here, before anything is published.
 */
import { publishErrors } from './errors.js';

/** Templates for the three kinds of topic. */
export interface TopicTemplates {
  results: string;
  status: string;
  heartbeat: string;
}

/** Default templates; `edge-agent/<thing>/results/<model>` lets a subscriber pick models with `+`. */
export const DEFAULT_TOPIC_TEMPLATES: Readonly<TopicTemplates> = Object.freeze({
  results: 'edge-agent/{thingName}/results/{modelId}',
  status: 'edge-agent/{thingName}/status',
  heartbeat: 'edge-agent/{thingName}/heartbeat',
});

/** Values the placeholders are replaced with. */
export interface TopicValues {
  thingName: string;
  modelId?: string;
}

// AWS IoT Core's topic limit; Mosquitto allows more, but a topic must work everywhere.
const MAX_TOPIC_BYTES = 256;
const PLACEHOLDER = /\{([^}]*)\}/g;

/** Renders a template; throws EDGE_PUBLISH_BAD_TOPIC naming the template and the problem. */
export function renderTopic(template: string, values: TopicValues): string {
  const topic = template.replace(PLACEHOLDER, (_match, name: string) => {
    if (name !== 'thingName' && name !== 'modelId') {
      throw publishErrors.EDGE_PUBLISH_BAD_TOPIC(`Expected placeholders {thingName} or {modelId} in topic template "${template}" but found {${name}}`, { template });
    }
    const value = values[name];
    if (value === undefined || value === '') {
      throw publishErrors.EDGE_PUBLISH_BAD_TOPIC(`Expected a value for {${name}} in topic template "${template}" but none was given`, { template });
    }
    if (/[/+#]/.test(value)) {
      throw publishErrors.EDGE_PUBLISH_BAD_TOPIC(`Expected ${name} without "/", "+" or "#" for topic template "${template}" but received "${value}"`, { template, [name]: value });
    }
    return value;
  });
  if (topic === '' || /[+#]/.test(topic) || topic.includes('\u0000')) {
    throw publishErrors.EDGE_PUBLISH_BAD_TOPIC(`Expected a topic name without wildcards "+" or "#" but template "${template}" gives "${topic}"`, { template, topic });
  }
  if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES) {
    throw publishErrors.EDGE_PUBLISH_BAD_TOPIC(`Expected a topic of at most ${MAX_TOPIC_BYTES} bytes but template "${template}" gives ${Buffer.byteLength(topic)}`, { template, topic });
  }
  return topic;
}

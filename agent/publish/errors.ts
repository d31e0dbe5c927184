/** Error codes of the publish area: transports, the drainer and the message contract. */
import { defineErrors } from '../errors/agent-error.js';

/** Catalogue of publish errors; docs/messages.md explains what a subscriber sees for each. */
export const publishErrors = defineErrors({
  EDGE_PUBLISH_CONNECT_FAILED: { kind: 'environment', summary: 'The broker could not be reached or refused the connection.' },
  EDGE_PUBLISH_TLS_REJECTED: { kind: 'config', summary: 'The TLS handshake failed: wrong CA, client certificate or key.' },
  EDGE_PUBLISH_AUTH_REJECTED: { kind: 'config', summary: 'The broker refused the credentials or the client id (CONNACK reason code).' },
  EDGE_PUBLISH_DISCONNECTED: { kind: 'runtime', summary: 'The connection closed while a publish waited for its acknowledgement.' },
  EDGE_PUBLISH_SESSION_TAKEN_OVER: { kind: 'config', summary: 'Another client connected with the same client id and the broker handed it the session; every device needs its own (publish.clientId).' },
  EDGE_PUBLISH_ACK_TIMEOUT: { kind: 'runtime', summary: 'The broker stopped acknowledging publishes within the in-flight timeout.' },
  EDGE_PUBLISH_BAD_URL: { kind: 'config', summary: 'The broker URL is not an mqtt:// or mqtts:// URL.' },
  EDGE_PUBLISH_BAD_TOPIC: { kind: 'config', summary: 'A topic template is empty, has wildcards or an unknown placeholder.' },
  EDGE_PUBLISH_IMAGE_BYTES: { kind: 'input', summary: 'A payload carried binary or base64 data; image bytes never leave the device.' },
  EDGE_PUBLISH_BAD_OPTION: { kind: 'config', summary: 'A publish option is out of range.' },
  EDGE_PUBLISH_IPC_UNAVAILABLE: { kind: 'environment', summary: 'The Greengrass nucleus IPC socket or its auth token is missing.' },
});

/**
 * Secrets kept out of text a person or a program reads: URLs may carry credentials
 * (`rtsp://user:pass@cam/stream`, `mqtt://user:pass@broker`), and programs such as ffmpeg and
 * MQTT.js repeat the URL in their errors. Everything quoted from configuration, a child process or
 * a library error passes through here before it reaches a log line, an error message, a metric
 * label or `/readyz`. This is the one copy: the logger, AgentError, the schema-error wording and
 * the capture sources all use it.
 */

// The user-info part of a URL: everything after `scheme://` up to the last `@` of the authority
// (a password may itself hold an unencoded `@`), never crossing `/`, `?`, `#` or whitespace.
const userInfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

/** What replaces a secret. */
export const REDACTED = '***';

// A run of text that is not a well-formed `scheme://` URL but still holds `something:secret@host`
// (`mqtt:/user:pass@host`, `user:pass@host`): a mistyped broker URL must not print its password.
const looseUserInfo = /(?<![^\s"'`(<=,])(?=[a-z0-9])(?![a-z][a-z0-9+.-]*:\/\/)([a-z][a-z0-9+.-]*:\/?)?[^\s"'`@()<>]*:[^\s"'`()<>]*@(?=[^\s"'`@]+)/gi;

/** `text` with the user and password of every URL in it (well formed or not) replaced by `***`. */
export function withoutUrlCredentials(text: string): string {
  return text.replace(userInfo, `$1${REDACTED}@`).replace(looseUserInfo, (_, scheme: string | undefined) => `${scheme ?? ''}${REDACTED}@`);
}

/**
 * One URL as it may be printed: its user name and password (if any) replaced by `***`, the rest
 * unchanged (`mqtt://***@broker:1883`), so logs still say which host was meant.
 */
export function sanitizeUrl(url: string): string {
  return withoutUrlCredentials(url);
}

// Key names whose values are secrets wherever they appear (config keys, log fields, details).
const secretName = /(?:^|[._-])(?:password|passwd|passphrase|secret|token|authtoken|authorization|credentials?|privatekey|private_key|apikey|api_key|svcuid)$/i;

/**
 * True when a key (or the last segment of a key path such as `publish.password`) names a secret:
 * password, passphrase, secret, token, authorization, credentials, private key, API key.
 */
export function isSecretKey(keyOrPath: string): boolean {
  const last = keyOrPath.replace(/\[\d*\]$/, '').split('.').pop() ?? keyOrPath;
  return secretName.test(last) || secretName.test(last.replace(/([a-z0-9])([A-Z])/g, '$1_$2'));
}

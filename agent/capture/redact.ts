/**
 * Camera URLs may carry credentials (`rtsp://user:pass@cam/stream`), and ffmpeg repeats the URL in
 * its stderr. Everything quoted from a camera program (stderr, argv) passes through here before it
 * reaches a log line, an error message or `/readyz`.
 */

const userInfo = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;

/** `text` with the user and password of every URL in it replaced by `***`. */
export function withoutUrlCredentials(text: string): string {
  return text.replace(userInfo, '$1***@');
}

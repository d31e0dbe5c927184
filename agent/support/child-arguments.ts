/**
 * Rules for configuration values that end up in a child process's argument list (camera URLs,
 * device paths, GStreamer pipelines). A value that starts with `-` would be read as an option by
 * ffmpeg or gst-launch-1.0 (`--gst-plugin-load=/tmp/x.so` loads any shared object), and a camera
 * URL of the wrong scheme makes ffmpeg read local files. The configuration cross-checks and the
 * capture sources both apply these, so a value is refused at load and again before a spawn.
 * Each rule returns undefined when the value is fine, else what is wrong, as a phrase.
 */
import { isAbsolute, normalize } from 'node:path';

/** Camera source types whose `url` goes to ffmpeg, and the URL schemes each accepts. */
export const cameraUrlSchemes: Readonly<Record<'rtsp' | 'http', readonly string[]>> = Object.freeze({
  rtsp: ['rtsp:', 'rtsps:'],
  http: ['http:', 'https:'],
});

/**
 * ffmpeg's `-protocol_whitelist` per source type: only what the stream needs, never `file`, so a
 * hostile playlist or redirect cannot make ffmpeg read local files. RTSP opens TCP (and TLS for
 * rtsps); RTP over UDP is kept for servers that insist on it.
 */
export const ffmpegProtocols: Readonly<Record<'rtsp' | 'http', string>> = Object.freeze({
  rtsp: 'tcp,tls,udp,rtp,srtp',
  http: 'http,https,tcp,tls',
});

/** Why `value` may not be passed as an argument, or undefined: a leading `-` reads as an option. */
export function optionLikeProblem(value: string): string | undefined {
  return value.trimStart().startsWith('-') ? 'it starts with "-", which the camera program would read as an option' : undefined;
}

/** Why `url` is not a camera URL for `type` (`rtsp://...` for rtsp, `http(s)://...` for http), or undefined. */
export function cameraUrlProblem(type: 'rtsp' | 'http', url: string): string | undefined {
  const option = optionLikeProblem(url);
  if (option !== undefined) return option;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'it is not a URL';
  }
  const schemes = cameraUrlSchemes[type];
  if (!schemes.includes(parsed.protocol)) return `its scheme is ${parsed.protocol.replace(/:$/, '')}, and a ${type} camera takes only ${schemes.map((s) => s.replace(/:$/, '')).join(' or ')}`;
  if (parsed.hostname === '') return 'it names no host';
  return undefined;
}

/** Why `device` is not a device path under `devDir` (absolute, normalised, no `..`), or undefined. */
export function devicePathProblem(device: string, devDir = '/dev'): string | undefined {
  const option = optionLikeProblem(device);
  if (option !== undefined) return option;
  if (!isAbsolute(device)) return 'it is not an absolute path';
  const root = normalize(`${devDir}/`);
  if (normalize(device) !== device.replace(/\/+$/, '') || device.split('/').includes('..')) return 'it is not a normalised path (no `..`, `.` or doubled `/`)';
  if (!device.startsWith(root)) return `it is not under ${root}`;
  return undefined;
}

/**
 * The first token of a gst-launch-1.0 pipeline that is not an element, caps, property or `!`:
 * a token starting with `-` is a gst-launch option (`--gst-plugin-load=`, `--gst-plugin-path=`,
 * `-o`), which a pipeline may never set. Undefined when every token is fine.
 */
export function gstreamerOptionToken(pipeline: string): string | undefined {
  return pipeline.trim().split(/\s+/).find((token) => token.startsWith('-'));
}

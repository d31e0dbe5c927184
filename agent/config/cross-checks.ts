/**
 * Rules that span several keys, which JSON Schema can state only with messages nobody can act on
 * ("must match then schema"): options a source type needs, a publish transport's needs, unique
 * camera names, and a rate given two ways.
 */
import { availableParallelism } from 'node:os';
import { childPath, type SchemaProblem } from '../errors/schema-errors.js';
import { cameraUrlProblem, devicePathProblem, gstreamerOptionToken, optionLikeProblem } from '../support/child-arguments.js';
import { sanitizeUrl } from '../support/redact.js';
import type { AgentConfig, CameraSourceConfig } from './schema.js';

/** `inference.intraOpThreads` may be at most this many times the CPU count: more only costs memory. */
export const threadsPerCpu = 4;

const sourceNeeds: Readonly<Record<string, { keys: readonly ('path' | 'glob' | 'device' | 'url' | 'pipeline')[]; text: string }>> = {
  files: { keys: ['path', 'glob'], text: 'path or glob' },
  v4l2: { keys: ['device'], text: 'device (such as /dev/video0)' },
  rtsp: { keys: ['url'], text: 'url' },
  http: { keys: ['url'], text: 'url' },
  gstreamer: { keys: ['pipeline'], text: 'pipeline' },
};

/** Problems no single key shows; empty when the config is consistent. */
export function crossCheck(config: AgentConfig): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const seen = new Map<string, number>();
  config.cameras.forEach((camera, i) => {
    const at = childPath('cameras', i);
    const first = seen.get(camera.name);
    if (first !== undefined) {
      problems.push({ path: `${at}.name`, message: `Expected a unique name for ${at}.name but received "${camera.name}", already used by cameras[${first}]` });
    } else {
      seen.set(camera.name, i);
    }
    if (camera.targetIntervalMs !== undefined && camera.targetFps !== undefined) {
      problems.push({
        path: `${at}.targetFps`,
        message: `Expected either ${at}.targetIntervalMs or ${at}.targetFps but received both (${camera.targetIntervalMs} ms and ${camera.targetFps} fps)`,
      });
    }
    const needs = sourceNeeds[camera.source.type];
    if (needs && !needs.keys.some((k) => camera.source[k] !== undefined)) {
      problems.push({
        path: `${at}.source.${needs.keys[0] ?? ''}`,
        message: `Expected ${at}.source.${needs.text} for source type ${camera.source.type} but received nothing`,
      });
    }
    problems.push(...childArgumentProblems(camera.source, `${at}.source`));
  });
  const cpus = availableParallelism();
  if (config.inference.intraOpThreads > cpus * threadsPerCpu) {
    problems.push({
      path: 'inference.intraOpThreads',
      message: `Expected inference.intraOpThreads of at most ${cpus * threadsPerCpu} (${threadsPerCpu} x the ${cpus} CPUs of this device; 0 lets ONNX Runtime choose) but received ${config.inference.intraOpThreads}`,
    });
  }
  const publish = config.publish;
  if ((publish.transport === 'mqtt' || publish.transport === 'aws-iot') && publish.brokerUrl === undefined) {
    problems.push({ path: 'publish.brokerUrl', message: `Expected publish.brokerUrl for transport ${publish.transport} but received nothing` });
  }
  if (publish.transport === 'aws-iot') {
    for (const key of ['cert', 'key'] as const) {
      if (publish.tls[key] === undefined) {
        problems.push({ path: `publish.tls.${key}`, message: `Expected publish.tls.${key} (a PEM file) for transport aws-iot but received nothing` });
      }
    }
  }
  return problems;
}

/**
 * Values that reach a camera program's argument list: no token may become an option, camera URLs
 * have their type's scheme (never `file:`), devices live under /dev, pipelines hold no gst-launch
 * options. Only the keys the chosen type uses are checked (the others are ignored by the source).
 */
function childArgumentProblems(source: CameraSourceConfig, at: string): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const refuse = (key: string, value: string, expected: string, why: string): void => {
    problems.push({ path: `${at}.${key}`, message: `Expected ${at}.${key} to be ${expected} but received "${sanitizeUrl(value)}": ${why}` });
  };
  if ((source.type === 'rtsp' || source.type === 'http') && source.url !== undefined) {
    const why = cameraUrlProblem(source.type, source.url);
    if (why !== undefined) refuse('url', source.url, source.type === 'rtsp' ? 'an rtsp:// or rtsps:// URL' : 'an http:// or https:// URL', why);
  }
  if (source.type === 'v4l2' && source.device !== undefined) {
    const why = devicePathProblem(source.device);
    if (why !== undefined) refuse('device', source.device, 'a video device under /dev (such as /dev/video0)', why);
  }
  if ((source.type === 'gstreamer' || source.type === 'auto') && source.pipeline !== undefined) {
    const token = gstreamerOptionToken(source.pipeline);
    if (token !== undefined) {
      problems.push({
        path: `${at}.pipeline`,
        message: `Expected ${at}.pipeline to hold only GStreamer elements, caps, properties and "!" but received the gst-launch option "${token}"; options cannot be set through the configuration`,
      });
    }
  }
  if (source.binary !== undefined) {
    const why = optionLikeProblem(source.binary);
    if (why !== undefined) refuse('binary', source.binary, 'a program name or path', why);
  }
  return problems;
}

/** The inference interval of a camera in ms: `targetIntervalMs`, else from `targetFps`, else 1000. */
export function cameraIntervalMs(camera: Pick<AgentConfig['cameras'][number], 'targetIntervalMs' | 'targetFps'>): number {
  if (camera.targetIntervalMs !== undefined) return camera.targetIntervalMs;
  if (camera.targetFps !== undefined) return Math.max(1, Math.round(1000 / camera.targetFps));
  return 1000;
}

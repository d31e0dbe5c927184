/**
 * Rules that span several keys, which JSON Schema can state only with messages nobody can act on
 * ("must match then schema"): options a source type needs, a publish transport's needs, unique
 * camera names, and a rate given two ways.
 */
import { childPath, type SchemaProblem } from '../errors/schema-errors.js';
import type { AgentConfig } from './schema.js';

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
  });
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

/** The inference interval of a camera in ms: `targetIntervalMs`, else from `targetFps`, else 1000. */
export function cameraIntervalMs(camera: Pick<AgentConfig['cameras'][number], 'targetIntervalMs' | 'targetFps'>): number {
  if (camera.targetIntervalMs !== undefined) return camera.targetIntervalMs;
  if (camera.targetFps !== undefined) return Math.max(1, Math.round(1000 / camera.targetFps));
  return 1000;
}

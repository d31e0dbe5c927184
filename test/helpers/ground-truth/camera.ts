/**
 * The camera settings a generated sequence is played with, made the way `edge-agent run` makes
 * them: a configuration document through loadConfig and resolveConfig, so every key left out
 * takes the schema's default (gate, tracker, threshold, heartbeat), and the sequence's zone and line.
 */
import { loadConfig } from '../../../agent/config/load-config.js';
import { resolveConfig, type CameraSettings } from '../../../agent/runtime/resolve.js';
import { sceneConfig } from './scenarios.js';

/** The report policies a sequence can be played under (the configuration's `report.policy`). */
export type PolicyName = 'every' | 'on-change' | 'events' | 'counts';

/** What differs between plays; everything else is the schema's default. */
export interface CameraChoice {
  policy: PolicyName;
  /** The change gate on (motion mode, defaults) or off. */
  gate: boolean;
  /** Tracking on for `every` / `on-change` too, so their detections carry `trackId`s. */
  tracking?: boolean;
}

/** The resolved settings of one camera `door` with person-yolox-192 and the scenarios' zone and line. */
export function groundTruthCamera(choice: CameraChoice): CameraSettings {
  const values = {
    deviceId: 'ground-truth',
    dataDir: '/tmp/edge-agent-ground-truth',
    cameras: [{ name: 'door', source: { type: 'files', path: '/tmp' }, changeGate: { enabled: choice.gate }, ...sceneConfig(), models: [{ id: 'person-yolox-192', report: { policy: choice.policy }, tracking: { enabled: choice.tracking ?? false } }] }],
  };
  const { config } = loadConfig({ document: { values, label: 'ground-truth camera' }, env: {}, profile: 'generic-x86_64' });
  const camera = resolveConfig(config).cameras[0];
  if (camera === undefined) throw new Error('ground-truth camera: the configuration resolved to no camera');
  return camera;
}

/**
 * The one resolver: a validated, defaulted configuration becomes each part's typed settings here
 * and nowhere else. Defaults are stated once, in agent/config/schema.ts; this file only renames,
 * converts units and derives values (a topic from its template, ms from seconds). Every leaf key of
 * the schema is read here (test/runtime/resolve.test.ts walks the schema to keep it so), so a key
 * that nothing honours cannot hide.
 */
import { join } from 'node:path';
import type { FrameSourceOptions } from '../capture/create-frame-source.js';
import { intervalMsFor } from '../config/camera-interval.js';
import type { ConsoleSettings } from '../console/settings.js';
import type { AgentConfig, CameraConfig } from '../config/schema.js';
import type { ProviderName } from '../inference/providers.js';
import { outboxPath } from '../outbox/paths.js';
import type { ClassFilter } from '../postprocess/class-filter.js';
import type { GateSettings } from '../pipeline/create-gate.js';
import type { TrackingSettings } from '../pipeline/report-policy.js';
import { sceneSettingsFor, type SceneSettings } from '../pipeline/scene.js';
import { renderTopic } from '../publish/topics.js';
import { publishSettingsFor, type PublishSettings } from './publish-settings.js';
import { sourceOptionsFor } from './source-options.js';

/** One model on one camera. */
export interface CameraModelSettings {
  id: string;
  /** Score threshold the decoder applies before NMS. */
  threshold: number;
  /** The labels kept and their own thresholds (`classes`, `classThresholds`). */
  classFilter: ClassFilter;
  report: { policy: 'every' | 'on-change' | 'events' | 'counts'; heartbeatSeconds: number; minScore: number; intervalSeconds: number };
  /** The tracker (on with `tracking.enabled` or `report.policy` `events` or `counts`). */
  tracking: TrackingSettings;
  /** The results topic, rendered. */
  topic: string;
}

/** One camera: its source and the loop around it. */
export interface CameraSettings {
  name: string;
  source: FrameSourceOptions;
  /** The resolved source options as text, to tell a changed source from an unchanged one. */
  sourceKey: string;
  /** Minimum ms between two inferred frames. */
  intervalMs: number;
  /** The gate in front of inference, or undefined when it is off. */
  gate: GateSettings | undefined;
  /** Zones and lines the `events` policy reports on. */
  scene: SceneSettings;
  models: CameraModelSettings[];
  /** A camera with no frame for this long is reported not ready. */
  staleAfterMs: number;
  /** An inference with no result after this long is stuck (`inference.timeoutMs`). */
  stuckTimeoutMs: number;
}

/** Every part's settings. */
export interface ResolvedConfig {
  deviceId: string;
  dataDir: string;
  logLevel: AgentConfig['logLevel'];
  profile: string;
  memoryBudgetBytes: number;
  shutdownTimeoutMs: number;
  outbox: {
    path: string;
    maxRows: number;
    maxBytes: number;
    maxAgeMs: number | null;
    minFreeDiskBytes: number;
    diskHeadroomBytes: number;
    deliveredRetentionMs: number;
    synchronous: AgentConfig['outbox']['synchronous'];
    /** Group commit: the window (0: off) and the most rows in one group. */
    groupCommit: { windowMs: number; maxRows: number };
  };
  models: { dir: string; mirror: string | undefined; variantPreference: readonly string[] };
  inference: {
    executionProviders: ProviderName[];
    intraOpThreads: number;
    graphOptimization: AgentConfig['inference']['graphOptimization'];
    timeoutMs: number;
    /** Stuck-inference rebuilds of one model within `windowMs` after which the agent asks to be restarted. */
    rebuildLimit: { maxRebuilds: number; windowMs: number };
    variantSelection: { enabled: boolean; stepDownAfterMs: number; stepUpAfterMs: number; headroom: number };
    /** Frames of several cameras in one call (maxBatch 1: off). */
    batching: { maxBatch: number; maxWaitMs: number };
  };
  cameras: CameraSettings[];
  publish: PublishSettings;
  health: { enabled: boolean; host: string; port: number };
  /** The local console: where it listens and its bounds. */
  console: ConsoleSettings;
}

/** Resolves `config` (validated and defaulted by loadConfig) into every part's settings. */
export function resolveConfig(config: AgentConfig): ResolvedConfig {
  // loadConfig fills both from the runtime defaults (device identity, data directory).
  const deviceId = config.deviceId;
  const dataDir = config.dataDir;
  const o = config.outbox;
  const i = config.inference;
  const vs = i.variantSelection;
  return {
    deviceId,
    dataDir,
    logLevel: config.logLevel,
    profile: config.profile,
    memoryBudgetBytes: config.memoryBudgetBytes,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    outbox: {
      path: outboxPath(dataDir),
      maxRows: o.maxRows,
      maxBytes: o.maxBytes,
      maxAgeMs: o.maxAgeSeconds == null ? null : o.maxAgeSeconds * 1000,
      minFreeDiskBytes: o.minFreeDiskBytes,
      diskHeadroomBytes: o.diskHeadroomBytes,
      deliveredRetentionMs: o.retentionSeconds * 1000,
      synchronous: o.synchronous,
      groupCommit: { windowMs: o.groupCommit.windowMs, maxRows: o.groupCommit.maxRows },
    },
    models: { dir: config.models.dir ?? join(dataDir, 'models'), mirror: config.models.mirror, variantPreference: [...config.models.variantPreference] },
    inference: {
      executionProviders: [...i.executionProviders] as ProviderName[],
      intraOpThreads: i.intraOpThreads,
      graphOptimization: i.graphOptimization,
      timeoutMs: i.timeoutMs,
      rebuildLimit: { maxRebuilds: i.maxRebuilds, windowMs: i.rebuildWindowSeconds * 1000 },
      variantSelection: { enabled: vs.enabled, stepDownAfterMs: vs.stepDownAfterSeconds * 1000, stepUpAfterMs: vs.stepUpAfterSeconds * 1000, headroom: vs.headroom },
      batching: { maxBatch: i.batching.maxBatch, maxWaitMs: i.batching.maxWaitMs },
    },
    cameras: config.cameras.map((c) => cameraSettingsFor(c, config)),
    publish: publishSettingsFor(config),
    health: { enabled: config.health.enabled, host: config.health.host, port: config.health.port },
    console: consoleSettingsFor(config, dataDir),
  };
}

/** The console's settings: on the health server unless it has a port of its own. */
function consoleSettingsFor(config: AgentConfig, dataDir: string): ConsoleSettings {
  const c = config.console;
  const host = c.host;
  return {
    enabled: c.enabled,
    listen: c.port === null ? { shared: true, host: config.health.host } : { shared: false, host, port: c.port },
    frameIntervalMs: c.frameIntervalMs,
    maxViewers: c.maxViewers,
    recentWarnings: c.recentWarnings,
    tokenFile: join(dataDir, 'console-token'),
  };
}

/** One camera's settings (also used on live reconfiguration). */
export function cameraSettingsFor(camera: CameraConfig, config: AgentConfig): CameraSettings {
  const thingName = config.publish.thingName ?? (config.deviceId);
  const intervalMs = intervalMsFor(camera);
  const source = sourceOptionsFor(camera, config);
  return {
    name: camera.name,
    source,
    // From the resolved options, so a change of a key the source does not use restarts nothing.
    sourceKey: JSON.stringify(source),
    intervalMs,
    gate: gateSettingsFor(camera),
    scene: sceneSettingsFor(camera),
    models: camera.models.map((m) => ({
      id: m.id,
      threshold: m.threshold,
      classFilter: { classes: m.classes === undefined ? undefined : [...m.classes], thresholds: m.classThresholds === undefined ? undefined : { ...(m.classThresholds as Readonly<Record<string, number>>) } },
      report: { policy: m.report.policy, heartbeatSeconds: m.report.heartbeatSeconds, minScore: m.report.minScore, intervalSeconds: m.report.intervalSeconds },
      tracking: { enabled: m.tracking.enabled, minHits: m.tracking.minHits, maxMissedFrames: m.tracking.maxMissedFrames, minIou: m.tracking.minIou, highScore: m.tracking.highScore },
      topic: renderTopic(config.publish.topics.results, { thingName, modelId: m.id }),
    })),
    staleAfterMs: Math.max(camera.source.stallTimeoutMs, 2 * intervalMs),
    stuckTimeoutMs: config.inference.timeoutMs,
  };
}

/** The gate of one camera; every key is read whichever the mode, so none goes unnoticed. */
function gateSettingsFor(camera: CameraConfig): GateSettings | undefined {
  const g = camera.changeGate;
  const motion = { analysisWidth: g.analysisWidth, pixelThreshold: g.pixelThreshold, minAreaPixels: g.minAreaPixels, trackedIntervalMs: g.trackedIntervalMs };
  const threshold = g.threshold;
  if (!g.enabled) return undefined;
  return g.mode === 'mean' ? { mode: 'mean', threshold } : { mode: 'motion', ...motion };
}


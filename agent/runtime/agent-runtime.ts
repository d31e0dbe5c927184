/**
 * The composition root: the one place that turns a loaded configuration into running parts and
 * wires them together. Everything it builds receives its collaborators; nothing else reads config.
 * Start order follows the path of a frame backwards (outbox, models, cameras), so no frame is taken
 * before there is somewhere to keep its result.
 */
import { join } from 'node:path';
import { createFrameSource } from '../capture/create-frame-source.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { AgentConfig } from '../config/schema.js';
import { createAgentMetrics, type AgentMetrics } from '../health/metrics.js';
import { startHealthServer, type HealthServer } from '../health/health-server.js';
import { ReadinessTracker } from '../health/readiness.js';
import type { ProviderName } from '../inference/providers.js';
import { RunnerPool } from '../inference/runner-pool.js';
import type { Logger } from '../log/logger.js';
import { bundledManifestDir } from '../models/manifest-loader.js';
import { ModelStore } from '../models/model-store.js';
import { SqliteOutbox, outboxPath } from '../outbox/index.js';
import { ChangeGate } from '../pipeline/change-gate.js';
import { CameraLoop } from '../pipeline/camera-loop.js';
import { ReportPolicy } from '../pipeline/report-policy.js';
import { renderTopic } from '../publish/topics.js';
import type { ResultRecord } from '../results/result-record.js';
import { intervalMsFor, sourceOptionsFor } from './source-options.js';

/** What the runtime needs from outside besides the config. */
export interface RuntimeDeps {
  logger: Logger;
  /** PATH-style list of directories where camera programs are looked up. */
  executableSearchPath: string;
  /** Called for every kept result (the status line, the drainer's wake-up). */
  onKept?: (record: ResultRecord) => void;
}

/** Counters for the status line and the heartbeat. */
export interface RuntimeStatus {
  framesCaptured: number;
  framesInferred: number;
  framesDropped: number;
  framesSkipped: number;
  resultsKept: number;
  outboxPending: number;
  outboxBytes: number;
  oldestPendingAgeMs: number | null;
}

/** A started agent. */
export class AgentRuntime {
  readonly config: AgentConfig;
  readonly metrics: AgentMetrics;
  readonly readiness: ReadinessTracker;
  readonly outbox: SqliteOutbox;
  readonly runners: RunnerPool;
  readonly cameras: readonly CameraLoop[];
  readonly health: HealthServer | undefined;
  private readonly logger: Logger;
  private readonly sources: ReturnType<typeof createFrameSource>[];
  private outboxTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(parts: {
    config: AgentConfig;
    metrics: AgentMetrics;
    readiness: ReadinessTracker;
    outbox: SqliteOutbox;
    runners: RunnerPool;
    cameras: CameraLoop[];
    sources: ReturnType<typeof createFrameSource>[];
    health: HealthServer | undefined;
    logger: Logger;
  }) {
    this.config = parts.config;
    this.metrics = parts.metrics;
    this.readiness = parts.readiness;
    this.outbox = parts.outbox;
    this.runners = parts.runners;
    this.cameras = parts.cameras;
    this.sources = parts.sources;
    this.health = parts.health;
    this.logger = parts.logger;
  }

  /** Builds and starts every part; on failure, whatever was started is stopped again. */
  static async start(loaded: LoadedConfig, deps: RuntimeDeps): Promise<AgentRuntime> {
    const config = loaded.config;
    const logger = deps.logger;
    const dataDir = config.dataDir as string;
    logger.info({ deviceId: config.deviceId, profile: loaded.profile.profile.id, profileReason: loaded.profile.reason, configFile: loaded.file, dataDir }, 'agent starting');

    const metrics = createAgentMetrics();
    const modelIds = [...new Set(config.cameras.flatMap((c) => c.models.map((m) => m.id)))];
    const readiness = new ReadinessTracker({
      cameras: config.cameras.map((c) => ({ name: c.name, staleAfterMs: Math.max(c.source.stallTimeoutMs, 2 * intervalMsFor(c)) })),
      models: modelIds,
    });
    const thingName = config.publish.thingName ?? (config.deviceId as string);

    const outbox = SqliteOutbox.open({
      path: outboxPath(dataDir),
      logger,
      maxRows: config.outbox.maxRows,
      maxBytes: config.outbox.maxBytes,
      maxAgeMs: config.outbox.maxAgeSeconds == null ? null : config.outbox.maxAgeSeconds * 1000,
      minFreeDiskBytes: config.outbox.minFreeDiskBytes,
      deliveredRetentionMs: config.outbox.retentionSeconds * 1000,
      dropRecordFields: { deviceId: config.deviceId },
    });
    if (outbox.recovery !== null) {
      metrics.outboxRecreated();
      logger.error({ recovery: outbox.recovery }, 'OUTBOX DATABASE WAS UNUSABLE: moved aside and replaced by a new one');
    }
    const store = new ModelStore({ modelDir: (config.models.dir as string | undefined) ?? join(dataDir, 'models'), manifestDirs: [bundledManifestDir, (config.models.dir as string | undefined) ?? join(dataDir, 'models')], mirrorDir: config.models.mirror, logger });
    const runners = new RunnerPool(
      store,
      {
        deviceId: config.deviceId as string,
        logger,
        executionProviders: config.inference.executionProviders as ProviderName[],
        intraOpThreads: config.inference.intraOpThreads,
        graphOptimization: config.inference.graphOptimization,
      },
      (runner) => {
        readiness.modelWarmedUp(runner.manifest.id);
        for (const f of runner.session.fallbacks) if (f.provider !== 'cpu') metrics.executionProviderFallback(runner.manifest.id, f.provider);
      },
    );
    const sources: ReturnType<typeof createFrameSource>[] = [];
    const cameras: CameraLoop[] = [];
    let health: HealthServer | undefined;
    try {
      await runners.load(modelIds);
      for (const camera of config.cameras) {
        const source = createFrameSource(sourceOptionsFor(camera, config), { logger: logger.child({ camera: camera.name }), searchPath: deps.executableSearchPath });
        sources.push(source);
        cameras.push(
          new CameraLoop({
            name: camera.name,
            source,
            intervalMs: intervalMsFor(camera),
            gate: camera.changeGate.enabled ? new ChangeGate(camera.changeGate.threshold) : undefined,
            models: camera.models.map((m) => ({
              id: m.id,
              threshold: m.threshold,
              policy: new ReportPolicy({ policy: m.report.policy, heartbeatSeconds: m.report.heartbeatSeconds, minScore: m.report.minScore }),
              topic: renderTopic(config.publish.topics.results, { thingName, modelId: m.id }),
            })),
            runners,
            outbox,
            metrics,
            readiness,
            logger,
            stuckTimeoutMs: config.inference.timeoutMs,
            ...(deps.onKept === undefined ? {} : { onKept: deps.onKept }),
          }),
        );
      }
      if (config.health.enabled) {
        health = await startHealthServer({ host: config.health.host, port: config.health.port, metrics, readiness: () => readiness.check(), logger });
      }
      for (const loop of cameras) await loop.start();
    } catch (err) {
      await Promise.allSettled(cameras.map((c) => c.stop()));
      await health?.close();
      await runners.close();
      outbox.close();
      throw err;
    }
    const runtime = new AgentRuntime({ config, metrics, readiness, outbox, runners, cameras, sources, health, logger });
    runtime.observeOutbox();
    logger.info({ cameras: cameras.length, models: modelIds }, 'agent running');
    return runtime;
  }

  /** Counters across cameras plus the outbox, for the status line and heartbeats. */
  status(): RuntimeStatus {
    const s: RuntimeStatus = { framesCaptured: 0, framesInferred: 0, framesDropped: 0, framesSkipped: 0, resultsKept: 0, outboxPending: 0, outboxBytes: 0, oldestPendingAgeMs: null };
    for (const source of this.sources) s.framesCaptured += source.stats().frames;
    for (const c of this.cameras) {
      const cs = c.stats();
      s.framesInferred += cs.framesInferred;
      s.framesDropped += cs.framesDropped;
      s.framesSkipped += cs.framesSkipped;
      s.resultsKept += cs.resultsKept;
    }
    const o = this.outbox.status();
    s.outboxPending = o.pendingRows;
    s.outboxBytes = o.pendingBytes;
    s.oldestPendingAgeMs = o.oldestPendingAgeMs;
    return s;
  }

  /** Resolves when every camera's source has ended by itself (files played once). */
  async finished(): Promise<void> {
    await Promise.all(this.cameras.map((c) => c.finished()));
  }

  /** Finishes the frames in flight, stops cameras, closes the health server, the models and the outbox. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.outboxTimer);
    await Promise.allSettled(this.cameras.map((c) => c.stop()));
    await this.health?.close();
    await this.runners.close();
    this.outbox.close();
    this.logger.info('agent stopped');
  }

  private observeOutbox(): void {
    const tick = () => this.metrics.outboxObserved(this.outbox.status());
    tick();
    // Outbox gauges are refreshed on a timer rather than per frame: a status query is a few
    // aggregate SELECTs, cheap but not free at 30 frames per second.
    this.outboxTimer = setInterval(tick, 5_000);
    this.outboxTimer.unref();
  }
}

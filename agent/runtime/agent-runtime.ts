/**
 * The composition root: the one place that turns a loaded configuration into running parts and
 * wires them together. Everything it builds receives its collaborators; nothing else reads config.
 * Start order follows the path of a frame backwards (outbox, models, cameras), so no frame is taken
 * before there is somewhere to keep its result.
 */
import { createFrameSource } from '../capture/create-frame-source.js';
import { ReopeningFrameSource } from '../capture/reopening-source.js';
import type { CaptureContext } from '../capture/source-options.js';
import type { LoadedConfig } from '../config/load-config.js';
import type { ReconfigureResult } from '../config/reconfigure-result.js';
import type { AgentConfig, CameraConfig } from '../config/schema.js';
import { createAgentMetrics, type AgentMetrics } from '../health/metrics.js';
import { startHealthServer, type HealthServer } from '../health/health-server.js';
import { ReadinessTracker, type TrackedCamera } from '../health/readiness.js';
import { RunnerPool } from '../pipeline/runner-pool.js';
import { observeRaisedErrors } from '../errors/agent-error.js';
import type { Logger } from '../log/logger.js';
import { openModelStore } from '../models/model-store.js';
import { SqliteOutbox } from '../outbox/index.js';
import { GroupCommit } from '../outbox/group-commit.js';
import { WalSync } from '../outbox/wal-sync.js';
import { createGate } from '../pipeline/create-gate.js';
import { CameraLoop, type CameraLoopSettings } from '../pipeline/camera-loop.js';
import { ReportPolicy } from '../pipeline/report-policy.js';
import { OpenEventJournal } from '../pipeline/open-events.js';
import { resultEntry } from '../publish/result-entry.js';
import type { ResultRecord } from '../results/result-record.js';
import { observeOutbox } from './outbox-metrics.js';
import { restartOnlyChanges } from './restart-only.js';
import { createPublisher, startPublishing, type HeartbeatSource, type Publishing } from './publishing.js';
import type { GreengrassEnvironment } from '../config/environment.js';
import { VariantController } from '../variants/variant-controller.js';
import { createConsole, type AgentConsole } from '../console/start-console.js';
import { checkClassNames } from './check-class-names.js';
import { cameraSettingsFor, resolveConfig } from './resolve.js';

/** What the runtime needs from outside besides the config. */
export interface RuntimeDeps {
  logger: Logger;
  /** PATH-style list of directories where camera programs are looked up. */
  executableSearchPath: string;
  /** Called for every kept result (the status line). */
  onKept?: (record: ResultRecord) => void;
  /** The nucleus's IPC variables, for the greengrass transport. */
  greengrass?: GreengrassEnvironment;
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


/** What the group commit hands back about a result it could not store: who kept it. */
interface KeptBy {
  camera: string;
  model: string;
}

/** A started agent. */
export class AgentRuntime {
  readonly metrics: AgentMetrics;
  readonly readiness: ReadinessTracker;
  readonly outbox: SqliteOutbox;
  /** Writes kept results to the outbox in groups (outbox.groupCommit). */
  readonly results: GroupCommit<KeptBy>;
  readonly runners: RunnerPool;
  readonly health: HealthServer | undefined;
  /** The publishing side; undefined with `publish.transport: none`. */
  readonly publishing: Publishing | undefined;
  /** Which variant of each model runs, and the switches so far. */
  readonly variants: VariantController;
  /** The local console (docs/console.md); undefined with `console.enabled: false`. */
  readonly console: AgentConsole | undefined;
  private current: AgentConfig;
  private readonly deps: RuntimeDeps;
  private readonly logger: Logger;
  private readonly loops = new Map<string, CameraLoop>();
  private outboxTimer: NodeJS.Timeout | undefined;
  private reconfiguring: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly stopCountingErrors: () => void;
  private lastBeat: { atMs: number; inferred: number } | undefined;
  /** Open tracks of `events` policies, kept across a crash so they get their `end` (reason `restart`). */
  private readonly openEvents: OpenEventJournal;

  private constructor(config: AgentConfig, deps: RuntimeDeps, parts: { metrics: AgentMetrics; readiness: ReadinessTracker; outbox: SqliteOutbox; results: GroupCommit<KeptBy>; runners: RunnerPool; health: HealthServer | undefined; publishing: Publishing | undefined; variants: VariantController; stopCountingErrors: () => void; console: AgentConsole | undefined }) {
    this.current = config;
    this.deps = deps;
    this.logger = deps.logger;
    this.metrics = parts.metrics;
    this.readiness = parts.readiness;
    this.outbox = parts.outbox;
    this.results = parts.results;
    this.runners = parts.runners;
    this.health = parts.health;
    this.publishing = parts.publishing;
    this.variants = parts.variants;
    this.console = parts.console;
    this.stopCountingErrors = parts.stopCountingErrors;
    this.openEvents = OpenEventJournal.open(resolveConfig(config).dataDir, deps.logger);
  }

  /** Builds and starts every part; on failure, whatever was started is stopped again. */
  static async start(loaded: LoadedConfig, deps: RuntimeDeps): Promise<AgentRuntime> {
    const config = loaded.config;
    const resolved = resolveConfig(config);
    const agentConsole = resolved.console.enabled ? createConsole(resolved.console) : undefined;
    // Its warnings also go to the console's page.
    const logger = agentConsole?.watch(deps.logger) ?? deps.logger;
    const dataDir = resolved.dataDir;
    logger.info({ deviceId: config.deviceId, deviceIdSource: loaded.identity.source, deviceIdFrom: loaded.identity.from, profile: loaded.profile.profile.id, profileReason: loaded.profile.reason, configFile: loaded.file, dataDir }, 'agent starting');

    const metrics = createAgentMetrics();
    // Every error code raised from here on is counted once, where it is raised (errors/agent-error.ts).
    const stopCountingErrors = observeRaisedErrors((code) => metrics.errorCounted(code));
    const readiness = new ReadinessTracker({ cameras: trackedCameras(config), models: modelIdsOf(config) });
    const { groupCommit, ...outboxSettings } = resolved.outbox;
    // With group commit at `synchronous: full`, commits run at NORMAL and each group's WAL is
    // synced off the event loop by WalSync (docs/outbox.md, "Group commit and durability").
    const syncOffLoop = groupCommit.windowMs > 0 && outboxSettings.synchronous === 'full';
    const outbox = SqliteOutbox.open({
      ...outboxSettings,
      ...(syncOffLoop ? { synchronous: 'normal' as const } : {}),
      logger,
      onDropped: (reason, rows) => metrics.outboxDropped(reason, rows),
      onCorrupt: (rows) => metrics.outboxCorruptRows(rows),
      dropRecordFields: { deviceId: resolved.deviceId },
    });
    // The agent runs for weeks: its outbox thread's memory is paid now, not after the first ~500 results.
    outbox.startBackgroundThread();
    if (outbox.recovery !== null) {
      const r = outbox.recovery;
      // Lost rows are counted by onDropped (storeLost); a replaced store is counted here.
      if (r.recreated) metrics.outboxRecreated();
      logger.error({ recovery: r }, `OUTBOX STORE ${r.recreated ? 'WAS UNUSABLE, replaced by a new one' : 'LOST ROWS'}: ${r.salvagedRows} rows salvaged, ${r.lostRows} known lost, ${r.dropRecords} storeLost drop records, seq goes on after ${r.seqResumedFrom}`);
    }
    const store = openModelStore({ modelDir: resolved.models.dir, mirrorDir: resolved.models.mirror, logger });
    const runners = new RunnerPool(
      store,
      {
        deviceId: resolved.deviceId,
        logger,
        executionProviders: resolved.inference.executionProviders,
        intraOpThreads: resolved.inference.intraOpThreads,
        graphOptimization: resolved.inference.graphOptimization,
        batching: resolved.inference.batching,
        onBatch: (model, frames) => metrics.inferenceBatchObserved(model, frames),
      },
      (runner, id) => {
        // `id` is the configured model; the runner may be one of its variants.
        readiness.modelWarmedUp(id);
        for (const f of runner.session.fallbacks) if (f.provider !== 'cpu') metrics.executionProviderFallback(runner.manifest.id, f.provider);
        if (runner.batching.fallback !== undefined) metrics.batchingFallback(runner.manifest.id);
      },
      resolved.inference.rebuildLimit,
    );
    let health: HealthServer | undefined;
    let runtime: AgentRuntime | undefined;
    let publishing: Publishing | undefined;
    let variants: VariantController | undefined;
    const results = new GroupCommit<KeptBy>(outbox, {
      ...groupCommit,
      logger,
      ...(syncOffLoop ? { walSync: new WalSync({ databasePath: outboxSettings.path, logger }) } : {}),
      // Rows are in the outbox only now: this, not the camera's keep, wakes the drainer for them.
      onCommitted: () => publishing?.notify(),
      onFailed: (kept, err) => runtime?.storeFailed(kept, err),
    });
    try {
      await runners.load(modelIdsOf(config));
      checkClassNames(resolved.cameras, (id) => runners.get(id).manifest.labels);
      // Measures each model's variants on this device and switches to the best that fits (off by default).
      variants = await VariantController.start({ config, store, pool: runners, metrics, logger });
      if (resolved.health.enabled) {
        health = await startHealthServer({ host: resolved.health.host, port: resolved.health.port, metrics, readiness: () => readiness.check(), logger });
      }
      // Publishing starts before the cameras: a backlog from an earlier run drains at once.
      const publisher = await createPublisher(resolved.publish, deps.greengrass ?? { socketPath: undefined, authToken: undefined, thingName: undefined }, logger);
      const heartbeat: HeartbeatSource = () => runtime?.heartbeatMetrics() ?? { frameRate: null, inferenceLatencyMs: null };
      if (publisher !== undefined) publishing = startPublishing(resolved.publish, publisher, outbox, metrics, heartbeat, logger);
      const drain = publishing;
      const onKept = deps.onKept;
      const wired: RuntimeDeps = { ...deps, logger, onKept: (record) => { drain?.notify(); onKept?.(record); } };
      runtime = new AgentRuntime(config, wired, { metrics, readiness, outbox, results, runners, health, publishing, variants, stopCountingErrors, console: agentConsole });
      // One camera that cannot open never takes the others down: it is retried with backoff, and
      // only when every camera failed for good (a missing program) is there nothing left to run.
      const failedForGood: unknown[] = [];
      for (const camera of config.cameras) {
        try {
          await runtime.startCamera(camera, config, true);
        } catch (err) {
          failedForGood.push(err);
        }
      }
      if (failedForGood.length > 0 && failedForGood.length === config.cameras.length) throw failedForGood[0];
      await agentConsole?.serve(runtime, health, logger);
    } catch (err) {
      if (runtime !== undefined) await Promise.allSettled([...runtime.loops.values()].map((c) => c.stop()));
      results.close();
      await publishing?.stop();
      await agentConsole?.close();
      await health?.close();
      await runners.close();
      outbox.close();
      stopCountingErrors();
      throw err;
    }
    runtime.observeOutbox();
    logger.info({ cameras: config.cameras.length, models: modelIdsOf(config) }, 'agent running');
    return runtime;
  }

  /** The configuration in force. */
  get config(): AgentConfig {
    return this.current;
  }

  /** The running camera loops. */
  get cameras(): readonly CameraLoop[] {
    return [...this.loops.values()];
  }

  /**
   * Applies a new, already validated configuration without a restart. New models are loaded and
   * warmed up beside the old ones first; if that fails nothing changes and the error is thrown.
   * Cameras whose source is unchanged keep running with new rate, gate, thresholds and policies;
   * a camera whose source changed is started anew before the old one stops. Calls are serialized.
   */
  reconfigure(next: AgentConfig): Promise<ReconfigureResult> {
    const run = this.reconfiguring.then(() => this.apply(next));
    this.reconfiguring = run.catch(() => undefined);
    return run;
  }

  /** Counters across cameras plus the outbox, for the status line and heartbeats. */
  status(): RuntimeStatus {
    const s: RuntimeStatus = { framesCaptured: 0, framesInferred: 0, framesDropped: 0, framesSkipped: 0, resultsKept: 0, outboxPending: 0, outboxBytes: 0, oldestPendingAgeMs: null };
    for (const c of this.loops.values()) {
      const cs = c.stats();
      s.framesCaptured += c.sourceStats().frames;
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

  /** Frames inferred per second since the last call, and the mean last-frame latency of the loaded models. */
  heartbeatMetrics(): { frameRate: number | null; inferenceLatencyMs: number | null } {
    const now = Date.now();
    const inferred = this.status().framesInferred;
    const last = this.lastBeat;
    this.lastBeat = { atMs: now, inferred };
    const frameRate = last === undefined || now === last.atMs ? null : ((inferred - last.inferred) * 1000) / (now - last.atMs);
    const stages = this.runners.ids().map((id) => this.runners.get(id).lastStages);
    const latencies = stages.map((st) => st.decodeResizeMs + st.tensorFillMs + st.sessionRunMs + st.decodeNmsMs).filter((v) => v > 0);
    const inferenceLatencyMs = latencies.length === 0 ? null : latencies.reduce((a, b) => a + b, 0) / latencies.length;
    return { frameRate, inferenceLatencyMs };
  }

  /** Resolves when every camera's source has ended by itself (files played once). */
  async finished(): Promise<void> {
    await Promise.all([...this.loops.values()].map((c) => c.finished()));
  }

  /** Finishes the frames in flight, stops cameras, closes the health server, the models and the outbox. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.outboxTimer);
    await this.reconfiguring;
    await Promise.allSettled([...this.loops.values()].map((c) => c.stop()));
    // Cameras first, so nothing new is kept; the last group is written and synced before the outbox closes.
    this.results.close();
    // Then the drainer settles what is in flight.
    await this.publishing?.stop();
    await this.console?.close();
    await this.health?.close();
    await this.runners.close();
    this.outbox.close();
    this.stopCountingErrors();
    this.logger.info('agent stopped');
  }

  private async apply(next: AgentConfig): Promise<ReconfigureResult> {
    const prev = this.current;
    const result: ReconfigureResult = { camerasUpdated: [], camerasRestarted: [], camerasAdded: [], camerasRemoved: [], modelsLoaded: [], modelsUnloaded: [], needsRestart: restartOnlyChanges(prev, next) };
    const wanted = modelIdsOf(next);
    const before = new Set(this.runners.ids());
    await this.runners.load(wanted); // throws before anything changed if a model cannot load
    checkClassNames(resolveConfig(next).cameras, (id) => this.runners.get(id).manifest.labels);
    result.modelsLoaded = wanted.filter((id) => !before.has(id));
    this.readiness.track(trackedCameras(next), wanted);

    const prevByName = new Map(prev.cameras.map((c) => [c.name, c]));
    for (const camera of next.cameras) {
      const old = prevByName.get(camera.name);
      const loop = this.loops.get(camera.name);
      if (old !== undefined && loop !== undefined && JSON.stringify(old.source) === JSON.stringify(camera.source)) {
        loop.update(this.settingsFor(camera, next, old));
        result.camerasUpdated.push(camera.name);
        continue;
      }
      // New source: start the replacement first, so a source that cannot open leaves the old running.
      const replaced = loop;
      this.loops.delete(camera.name);
      try {
        await this.startCamera(camera, next);
      } catch (err) {
        if (replaced !== undefined) this.loops.set(camera.name, replaced);
        throw err;
      }
      if (replaced !== undefined) {
        await replaced.stop();
        result.camerasRestarted.push(camera.name);
      } else result.camerasAdded.push(camera.name);
    }
    const keep = new Set(next.cameras.map((c) => c.name));
    for (const [name, loop] of this.loops) {
      if (keep.has(name)) continue;
      await loop.stop();
      this.loops.delete(name);
      result.camerasRemoved.push(name);
    }
    for (const id of this.runners.ids()) {
      if (wanted.includes(id)) continue;
      await this.runners.unload(id);
      result.modelsUnloaded.push(id);
    }
    this.current = next;
    this.logger.info({ ...result }, 'configuration applied');
    if (result.needsRestart.length > 0) this.logger.warn({ keys: result.needsRestart }, 'some changed settings take effect only after a restart');
    return result;
  }

  private settingsFor(camera: CameraConfig, config: AgentConfig, previous?: CameraConfig): CameraLoopSettings {
    const settings = cameraSettingsFor(camera, config);
    const before = previous === undefined ? undefined : cameraSettingsFor(previous, config);
    const existing = previous === undefined ? undefined : this.loops.get(camera.name);
    const gate = settings.gate;
    return {
      intervalMs: settings.intervalMs,
      // Keep a gate (and its reference frame) when its settings did not change.
      gate: gate === undefined ? undefined : JSON.stringify(before?.gate) === JSON.stringify(gate) && existing?.gate !== undefined ? existing.gate : createGate(gate),
      models: settings.models.map((m) => {
        // A policy keeps its memory of the last kept result unless the policy itself changed.
        const kept = existing?.models.find((x) => x.id === m.id);
        const prevModel = before?.models.find((x) => x.id === m.id);
        // Tracks and events depend on the tracker's settings and the camera's zones and lines too.
        const policyKey = (x: typeof m, scene: unknown) => JSON.stringify([x.report, x.tracking, scene]);
        const samePolicy = kept !== undefined && prevModel !== undefined && policyKey(prevModel, before?.scene) === policyKey(m, settings.scene);
        return { id: m.id, threshold: m.threshold, classFilter: m.classFilter, policy: samePolicy ? kept.policy : new ReportPolicy({ ...m.report, tracking: m.tracking, scene: settings.scene, journal: { store: this.openEvents, camera: camera.name, model: m.id } }), topic: m.topic };
      }),
      stuckTimeoutMs: settings.stuckTimeoutMs,
    };
  }

  /**
   * Starts one camera's loop. With `reopen`, a camera that cannot be opened yet is retried with the
   * source's restart backoff while everything else runs, and only a failure no retry can fix
   * rejects; without it (a live reconfiguration) any open failure rejects, so the old source stays.
   * Restarts are counted in `edge_agent_camera_restarts_total` and shown by `/readyz` until the next frame.
   */
  private async startCamera(camera: CameraConfig, config: AgentConfig, reopen = false): Promise<void> {
    const name = camera.name;
    const options = cameraSettingsFor(camera, config).source;
    const context: CaptureContext = {
      logger: this.logger.child({ camera: name }),
      searchPath: this.deps.executableSearchPath,
      devDir: '/dev',
      onRestart: (reason, cause) => {
        this.metrics.cameraRestarted(name, reason);
        this.readiness.cameraDown(name, cause.message);
      },
      onFailed: (cause) => {
        this.readiness.cameraFailed(name, cause.message);
      },
    };
    const source = reopen
      ? new ReopeningFrameSource({ name, create: () => createFrameSource(options, context), backoff: { initialMs: camera.source.restartBackoffInitialMs, maxMs: camera.source.restartBackoffMaxMs } }, context)
      : createFrameSource(options, context);
    const loop = new CameraLoop({
      name: camera.name,
      source,
      ...this.settingsFor(camera, config),
      runners: this.runners,
      store: { keep: (record, topic) => { this.results.add(resultEntry(record, topic), { camera: name, model: record.model.id }); } },
      metrics: this.metrics,
      readiness: this.readiness,
      logger: this.logger,
      ...(this.deps.onKept === undefined ? {} : { onKept: this.deps.onKept }),
      onInferred: (id, ms, variant) => this.variants.observe(id, ms, variant),
      ...(this.console === undefined ? {} : { tap: this.console.tap }),
    });
    await loop.start();
    this.loops.set(camera.name, loop);
  }

  /** Results of a group that could not be stored, counted by the cameras that kept them. */
  private storeFailed(kept: readonly KeptBy[], err: unknown): void {
    const counts = new Map<string, KeptBy & { results: number }>();
    for (const k of kept) {
      const key = JSON.stringify([k.camera, k.model]);
      const c = counts.get(key) ?? { ...k, results: 0 };
      c.results++;
      counts.set(key, c);
    }
    for (const c of counts.values()) this.loops.get(c.camera)?.storeFailed(c.model, c.results, err);
  }

  private observeOutbox(): void {
    const tick = () => observeOutbox(this.outbox, this.metrics);
    tick();
    // Outbox gauges are refreshed on a timer rather than per frame: a status query is a few
    // aggregate SELECTs, cheap but not free at 30 frames per second.
    this.outboxTimer = setInterval(tick, 5_000);
    this.outboxTimer.unref();
  }
}

function modelIdsOf(config: AgentConfig): string[] {
  return [...new Set(config.cameras.flatMap((c) => c.models.map((m) => m.id)))];
}

function trackedCameras(config: AgentConfig): TrackedCamera[] {
  return config.cameras.map((c) => ({ name: c.name, staleAfterMs: cameraSettingsFor(c, config).staleAfterMs }));
}

/**
 * Readiness: the agent is ready when every model is loaded and warmed up and every camera has
 * delivered a frame recently. A camera that is down (restarting after a failure, or given up for
 * good) is named with the failure, so `/readyz` says which camera and why. The frame loop reports those events here; `/readyz` asks `check()`.
 * A tracker rather than a probe, so answering a scrape never touches a camera or a model.
 *
 * A model given up (rebuilt too often after stuck inferences) is the one condition only a restart
 * of the agent clears: it stays in the answer, and `restartNeeded()` tells the watchdog to let the
 * service manager restart the agent.
 */

/** The answer `/readyz` serves: ready, or not with one reason per thing missing. */
export interface Readiness {
  ready: boolean;
  reasons: string[];
}

/** What the health server calls on each `/readyz` request. */
export type ReadinessCheck = () => Readiness | Promise<Readiness>;

/** One camera the tracker waits for, and how old its last frame may be. */
export interface TrackedCamera {
  name: string;
  /** A camera whose last frame is older than this is "not delivering" (use the source's stallTimeoutMs). */
  staleAfterMs: number;
}

/** Options for the tracker. */
export interface ReadinessTrackerOptions {
  cameras: readonly TrackedCamera[];
  /** Model ids that must be warmed up. */
  models: readonly string[];
  /** Clock in ms, injectable for tests. */
  now?: () => number;
}

/** Collects model and camera events and says whether the agent is ready. */
export class ReadinessTracker {
  private cameras: readonly TrackedCamera[];
  private models: readonly string[];
  private readonly now: () => number;
  private readonly warmedUp = new Set<string>();
  private readonly lastFrameAtMs = new Map<string, number>();
  private readonly down = new Map<string, { why: string; permanent: boolean }>();
  private readonly failedModels = new Map<string, string>();

  constructor(options: ReadinessTrackerOptions) {
    this.cameras = [...options.cameras];
    this.models = [...options.models];
    this.now = options.now ?? Date.now;
  }

  /** Replaces what is waited for (after live reconfiguration); what was already seen is kept. */
  track(cameras: readonly TrackedCamera[], models: readonly string[]): void {
    this.cameras = [...cameras];
    this.models = [...models];
  }

  /** A model's session is loaded and one warm-up inference has run. */
  modelWarmedUp(modelId: string): void {
    this.warmedUp.add(modelId);
  }

  /** A model's session went away (being rebuilt after a stuck inference). */
  modelUnloaded(modelId: string): void {
    this.warmedUp.delete(modelId);
  }

  /** A model failed in a way only a restart of the agent can fix; `why` stays in the answer until then. */
  modelFailed(modelId: string, why: string): void {
    if (!this.failedModels.has(modelId)) this.failedModels.set(modelId, why);
  }

  /** The first reason that needs a restart of the agent, or undefined when none does. */
  restartNeeded(): string | undefined {
    for (const [id, why] of this.failedModels) return `model ${id} failed and the agent needs a restart: ${why}`;
    return undefined;
  }

  /** A camera delivered a frame now (it is up again, if it was down). */
  frameDelivered(camera: string): void {
    this.lastFrameAtMs.set(camera, this.now());
    this.down.delete(camera);
  }

  /** A camera failed and is being restarted or reopened; `why` is the failure, until its next frame. */
  cameraDown(camera: string, why: string): void {
    this.down.set(camera, { why, permanent: false });
  }

  /** A camera failed for good (a missing program, an invalid option) and is not retried. */
  cameraFailed(camera: string, why: string): void {
    this.down.set(camera, { why, permanent: true });
  }

  /** The current answer, with a reason for each model not warmed up and each camera not delivering. */
  check(): Readiness {
    const reasons: string[] = [];
    // Failed models first, even one no longer configured: the restart is still owed.
    for (const [id, why] of this.failedModels) reasons.push(`model ${id} failed and the agent needs a restart: ${why}`);
    for (const id of this.models) if (!this.warmedUp.has(id) && !this.failedModels.has(id)) reasons.push(`model ${id} is not loaded and warmed up`);
    const now = this.now();
    for (const camera of this.cameras) {
      const last = this.lastFrameAtMs.get(camera.name);
      const down = this.down.get(camera.name);
      if (down !== undefined) reasons.push(`camera ${camera.name} ${down.permanent ? 'failed and is not retried' : 'is down and being retried'}: ${down.why}`);
      else if (last === undefined) reasons.push(`camera ${camera.name} has delivered no frame yet`);
      else if (now - last > camera.staleAfterMs) reasons.push(`camera ${camera.name} delivered its last frame ${now - last} ms ago (limit ${camera.staleAfterMs} ms)`);
    }
    return { ready: reasons.length === 0, reasons };
  }
}

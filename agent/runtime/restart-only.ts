/**
 * Settings the running agent cannot change in place: where its files live, how it publishes,
 * how ONNX Runtime sessions are built, and the health listener. Live reconfiguration applies
 * everything else and reports these so the operator knows a restart is due.
 */
import type { AgentConfig } from '../config/schema.js';

const RESTART_ONLY = ['deviceId', 'dataDir', 'models.dir', 'models.mirror', 'outbox', 'publish', 'health', 'inference.executionProviders', 'inference.intraOpThreads', 'inference.graphOptimization', 'inference.variantSelection', 'capture'] as const;

function at(config: AgentConfig, path: string): unknown {
  let cur: unknown = config;
  for (const key of path.split('.')) cur = cur === null || typeof cur !== 'object' ? undefined : (cur as Record<string, unknown>)[key];
  return cur;
}

/** Keys among the restart-only ones whose value differs between `prev` and `next`. */
export function restartOnlyChanges(prev: AgentConfig, next: AgentConfig): string[] {
  return RESTART_ONLY.filter((path) => JSON.stringify(at(prev, path)) !== JSON.stringify(at(next, path)));
}

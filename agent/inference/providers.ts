/**
 * Execution providers the agent can be asked for, and the names onnxruntime-node uses for them.
 * The CPU provider always exists; every other one may be missing from the build (onnxruntime-node
 * on arm64 has no CUDA at all), so a session tries them in order and falls back to `cpu`.
 */

/** Provider names accepted in config and on the command line. */
export const KNOWN_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'xnnpack', 'webgpu', 'coreml', 'dml'] as const;

/** One of the provider names accepted in config. */
export type ProviderName = (typeof KNOWN_PROVIDERS)[number];

/** The requested order with `cpu` appended when missing, duplicates removed. */
export function withCpuFallback(requested: readonly ProviderName[]): ProviderName[] {
  const out: ProviderName[] = [];
  for (const p of [...requested, 'cpu' as const]) if (!out.includes(p)) out.push(p);
  return out;
}

/** True when `name` is a provider name the agent knows. */
export function isProviderName(name: string): name is ProviderName {
  return (KNOWN_PROVIDERS as readonly string[]).includes(name);
}

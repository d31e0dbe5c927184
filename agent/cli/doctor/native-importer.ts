/**
 * How doctor loads the native modules: with literal specifiers, the way the agent imports them.
 * The bundle (deploy/build/bundle-agent.ts) turns each literal import of a native package into a
 * `require` from the runtime component's lib/node_modules; an `import(variable)` escaped that
 * rewrite and looked beside dist/ instead, so doctor in an unpacked Greengrass artifact reported
 * onnxruntime-node and sharp missing while `run` loaded them.
 */
import type { ModuleImporter } from './doctor-system.js';

const loaders: Readonly<Record<string, () => Promise<unknown>>> = {
  'onnxruntime-node': () => import('onnxruntime-node'),
  sharp: () => import('sharp'),
  'better-sqlite3': () => import('better-sqlite3'),
};

/** Loads one of the agent's native modules as the agent does; any other name is refused. */
export const nativeModuleImporter: ModuleImporter = async (specifier) => {
  const load = loaders[specifier];
  if (load === undefined) throw new Error(`doctor does not check the module "${specifier}"`);
  return load();
};

/**
 * What each artifact may hold, stated once: the build stages only these files and the tests
 * check every built zip against the same allow-lists. Nothing on the device that the device does
 * not run: no TypeScript sources or declarations, no source maps, no tests, no build tools
 * (tsx, esbuild, TypeScript, node-gyp), no documentation, no packages the agent never loads.
 */
import type { TargetArch } from './native-modules.js';

/** Packages the runtime component ships under lib/node_modules: the native ones and what they require at run time. */
export const RUNTIME_MODULES: Record<TargetArch, readonly string[]> = {
  x64: runtimeModulesFor('x64'),
  arm64: runtimeModulesFor('arm64'),
};

function runtimeModulesFor(arch: TargetArch): string[] {
  return [
    'onnxruntime-node',
    'onnxruntime-common',
    'sharp',
    '@img/colour',
    'detect-libc',
    'semver',
    `@img/sharp-linux-${arch}`,
    `@img/sharp-libvips-linux-${arch}`,
    'better-sqlite3',
    'bindings',
    'file-uri-to-path',
    // The Greengrass IPC client and the aws-iot transport run on aws-crt's native MQTT/event streams.
    'aws-crt',
  ].sort();
}

/**
 * Dependencies of those packages that never run on the device: install scripts' helpers
 * (onnxruntime-node's CUDA download, better-sqlite3's prebuild download) and aws-crt's browser
 * build's polyfills (dist.browser is not shipped; its Node.js build requires only built-ins).
 */
export const NOT_AT_RUN_TIME: readonly string[] = ['adm-zip', 'global-agent', 'prebuild-install', '@aws-sdk/util-utf8-browser', '@httptoolkit/websocket-stream', 'axios', 'buffer', 'crypto-js', 'process'];

/** Folders inside runtime packages that hold sources, build scripts or other builds; never shipped. */
export const PRUNED_FOLDERS: readonly string[] = [
  'onnxruntime-node/script',
  'onnxruntime-node/lib',
  'onnxruntime-common/lib',
  'onnxruntime-common/dist/esm',
  'sharp/src',
  'sharp/install',
  'sharp/lib',
  'semver/bin',
  'better-sqlite3/deps',
  'better-sqlite3/src',
  'file-uri-to-path/test',
  'aws-crt/lib',
  'aws-crt/source',
  'aws-crt/scripts',
  'aws-crt/crt',
  'aws-crt/dist.browser',
];

/** File names never shipped: declarations, sources, maps, docs, build files. LICENSE/NOTICE files stay. */
const PRUNED_FILE = /\.(d\.ts|d\.cts|d\.mts|ts|map|md|markdown|mjs|gyp|gypi|h|hpp|c|cc|cpp|py|cmake|txt|yml|yaml|bnf)$|^(CMakeLists\.txt|Makefile|\.npmignore|\.eslintrc.*|tsconfig.*\.json)$/;

/** Whether a file (path relative to lib/node_modules) is left out of the runtime component. */
export function prunedFromRuntime(relativePath: string): boolean {
  const name = relativePath.split('/').pop() ?? '';
  if (/^(LICENSE|LICENCE|NOTICE)/i.test(name)) return false;
  if (PRUNED_FILE.test(name)) return true;
  return PRUNED_FOLDERS.some((f) => relativePath === f || relativePath.startsWith(`${f}/`));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Allowed paths in the agent component (one zip for every CPU: it is JavaScript and data). */
export const AGENT_ALLOWED: readonly RegExp[] = [
  /^bin\/edge-agent\.js$/,
  /^package\.json$/,
  /^greengrass\/run\.sh$/,
  /^dist\/agent\/cli\/(main|chunk-[A-Z0-9]+)\.js$/,
  /^dist\/agent\/[a-z0-9/-]+\.schema\.json$/,
  /^dist\/agent\/[a-z0-9/-]+\.json$/,
  /^dist\/models\/[a-z0-9-]+\/manifest\.json$/,
  /^dist\/device-profiles\/[a-z0-9_-]+\.yaml$/,
  /^dist\/samples\/[a-z0-9-]+\.json$/,
];

/** Allowed paths in the runtime component of one CPU. */
export function runtimeAllowed(arch: TargetArch): RegExp[] {
  const pkgs = RUNTIME_MODULES[arch].map(escape).join('|');
  return [
    /^bin\/node$/,
    /^LICENSE$/,
    /^check-system\.sh$/,
    new RegExp(`^lib/node_modules/(${pkgs})/(.+/)?(package\\.json|[^/]+\\.(js|cjs|json)|(LICENSE|LICENCE|NOTICE)[^/]*)$`),
    new RegExp(`^lib/node_modules/onnxruntime-node/bin/napi-v6/linux/${arch}/(onnxruntime_binding\\.node|libonnxruntime\\.so\\.1)$`),
    /^lib\/node_modules\/better-sqlite3\/build\/Release\/better_sqlite3\.node$/,
    new RegExp(`^lib/node_modules/@img/sharp-linux-${arch}/lib/sharp-linux-${arch}(-[0-9.]+)?\\.node$`),
    new RegExp(`^lib/node_modules/@img/sharp-libvips-linux-${arch}/lib/libvips-cpp\\.so\\.[0-9.]+$`),
    new RegExp(`^lib/node_modules/aws-crt/dist/bin/linux-${arch}-glibc/aws-crt-nodejs\\.node$`),
  ];
}

/** Paths that must appear in no artifact, whatever the allow-lists say. */
export const FORBIDDEN: RegExp = /(^|\/)(tsx|esbuild|@esbuild|typescript|tap|@tapjs|eslint|node-gyp|protobufjs|test|tests|__tests__)\/|\.(d\.ts|map|ts)$/;

/** Entries of `files` that `allowed` does not cover or FORBIDDEN matches. */
export function disallowed(files: readonly string[], allowed: readonly RegExp[]): string[] {
  return files.filter((f) => FORBIDDEN.test(f) || !allowed.some((r) => r.test(f)));
}

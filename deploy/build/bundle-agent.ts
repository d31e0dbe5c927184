/**
 * The agent's JavaScript bundled by esbuild: agent/cli/main.ts and everything it imports, pure
 * JavaScript packages included, into dist/agent/cli/main.js plus a few chunks for the lazily
 * imported parts (transports, quantizer, subscriber). What stays outside is what cannot be
 * bundled: the native modules (RUNTIME_PACKAGES), which the runtime component ships.
 *
 * Two details make one bundle run both from an artifact and from an installed npm package:
 * - Native modules are loaded with `require` from the runtime component's lib/node_modules when
 *   the running node is the runtime's own (`<runtime>/bin/node`), else from the bundle's own
 *   node_modules (an `npm install`ed agent). The banner defines that `require`.
 * - Agent modules find their data files relative to their own URL (`new URL('./x.json',
 *   import.meta.url)`); every source file's `import.meta.url` is rewritten to the URL it had in
 *   a mirrored tree, so dist/ keeps the source layout for data files (deploy/build/build-dist.ts
 *   copies them) and no agent code changes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** Packages with native code: never bundled, shipped by the runtime component. */
export const RUNTIME_PACKAGES: readonly string[] = ['onnxruntime-node', 'sharp', 'better-sqlite3', 'aws-crt'];

/** The oldest Node.js the agent bundle's syntax must run on (engines.node's floor in package.json). */
export const BUNDLE_TARGET = 'node26';

/** Where the native modules are looked up first: the runtime component's own layout. */
const BANNER = [
  "import { createRequire as __edgeCreateRequire } from 'node:module';",
  "import { existsSync as __edgeExists } from 'node:fs';",
  "import { dirname as __edgeDirname, join as __edgeJoin } from 'node:path';",
  // <runtime>/bin/node and <runtime>/lib/node_modules, the layout of Node.js's own prefix.
  "const __edgeRuntimeModules = __edgeJoin(__edgeDirname(process.execPath), '..', 'lib', 'node_modules');",
  "const require = __edgeCreateRequire(__edgeExists(__edgeJoin(__edgeRuntimeModules, 'onnxruntime-node')) ? __edgeJoin(__edgeRuntimeModules, 'edge-agent.cjs') : import.meta.url);",
].join('\n');

const buildRequire = createRequire(import.meta.url);

/** The names a CommonJS package exports, read by loading it on the build machine. */
function exportNames(specifier: string): string[] {
  const loaded = buildRequire(specifier) as Record<string, unknown>;
  return Object.keys(loaded)
    .filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default' && n !== '__esModule')
    .sort();
}

/** Turns imports of native packages into `require` calls that the banner's `require` serves. */
function runtimePackages(): Plugin {
  return {
    name: 'runtime-packages',
    setup(b) {
      const filter = new RegExp(`^(${RUNTIME_PACKAGES.map((p) => p.replace(/[-/]/g, '\\$&')).join('|')})(/.*)?$`);
      b.onResolve({ filter }, (args) => {
        // The require inside the stand-in module stays a real require at run time.
        if (args.namespace === 'runtime-package') return { path: args.path, external: true };
        return { path: args.path, namespace: 'runtime-package' };
      });
      // An ES module stand-in with the package's own export names: a CommonJS stand-in would
      // give `await import('onnxruntime-node')` only a default export once code is split.
      b.onLoad({ filter: /.*/, namespace: 'runtime-package' }, (args) => {
        const names = exportNames(args.path);
        const spec = JSON.stringify(args.path);
        return {
          contents: [`const m = require(${spec});`, 'export default m;', ...names.map((n) => `export const ${n} = m[${JSON.stringify(n)}];`)].join('\n'),
          loader: 'js',
        };
      });
    },
  };
}

/** Gives each agent source file the import.meta.url it would have in dist/ mirroring the source tree. */
export function mirroredImportMetaUrl(root: string, outDir: string, chunkDir: string): Plugin {
  return {
    name: 'mirrored-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const rel = relative(root, args.path);
        if (rel.startsWith('..') || rel.startsWith(`node_modules${sep}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
        // Every chunk is written to chunkDir, so a path relative to it is right for any chunk.
        const mirrored = join(outDir, rel.replace(/\.ts$/, '.js'));
        const fromChunk = relative(chunkDir, mirrored).split(sep).join('/');
        const url = `new URL(${JSON.stringify(fromChunk.startsWith('.') ? fromChunk : `./${fromChunk}`)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** What a bundle wrote. */
export interface BundleResult {
  /** Files written, relative to outDir, sorted. */
  files: string[];
}

/**
 * Bundles agent/cli/main.ts into `outDir`/agent/cli/main.js (and its chunks beside it). No source
 * maps and no legal-comments files: nothing that the device does not run.
 */
export async function bundleAgent(root: string, outDir: string): Promise<BundleResult> {
  const chunkDir = join(outDir, 'agent', 'cli');
  const result = await build({
    absWorkingDir: root,
    entryPoints: { main: join(root, 'agent', 'cli', 'main.ts') },
    outdir: chunkDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: BUNDLE_TARGET,
    minifySyntax: true,
    minifyWhitespace: true,
    keepNames: true,
    legalComments: 'none',
    sourcemap: false,
    // Chunk names carry a content hash, so the same source gives the same names.
    chunkNames: 'chunk-[hash]',
    banner: { js: BANNER },
    metafile: true,
    logLevel: 'warning',
    plugins: [runtimePackages(), mirroredImportMetaUrl(root, outDir, chunkDir)],
  });
  const files = Object.keys(result.metafile.outputs).map((f) => relative(outDir, join(root, f)));
  return { files: files.sort() };
}

/**
 * The model store: pulled model files under `<modelDir>/<id>/<file>`, each checked against its
 * manifest's sha256 and size. A pull goes through verified-download.ts (temporary file, renamed
 * into place only after the digest matches), so a crash or a bad download never leaves a partial
 * or wrong file where the agent would load it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { nearestName } from '../errors/schema-errors.js';
import { AgentError } from '../errors/agent-error.js';
import { modelErrors } from './errors.js';
import { digestFile } from './file-digest.js';
import { bundledManifestDir, loadManifestCatalogue } from './manifest-loader.js';
import { downloadVerified } from './verified-download.js';
import type { ModelManifest } from './manifest.js';

/** Where the store keeps files and where it may pull them from. */
export interface ModelStoreOptions {
  /** Directory of pulled models. */
  modelDir: string;
  /** Directories of manifests (`<id>/manifest.json`), searched in order. */
  manifestDirs: readonly string[];
  /** Offline mirror laid out as `<id>/<file>`; preferred over network sources when set. */
  mirrorDir?: string | undefined;
  /** Gives up on one HTTP source after this long. */
  downloadTimeoutMs?: number;
  logger: Logger;
}

/** What a pull did. */
export interface PullResult {
  id: string;
  path: string;
  /** Where the bytes came from (mirror path or URL); `already-present` when nothing was fetched. */
  from: string;
  bytes: number;
  sha256: string;
}

/** What `verify` found for one model. */
export interface VerifyResult {
  id: string;
  path: string;
  state: 'ok' | 'missing' | 'sha256-mismatch' | 'size-mismatch';
  expectedSha256: string;
  actualSha256?: string;
  expectedBytes: number;
  actualBytes?: number;
}

/** Pulled models on disk, keyed by manifest id. */
export class ModelStore {
  readonly modelDir: string;
  readonly mirrorDir: string | undefined;
  private readonly catalogue: Map<string, ModelManifest>;
  private readonly broken: Map<string, AgentError>;
  private readonly timeoutMs: number;
  private readonly logger: Logger;

  constructor(options: ModelStoreOptions) {
    this.modelDir = options.modelDir;
    this.mirrorDir = options.mirrorDir;
    const { manifests, broken } = loadManifestCatalogue(options.manifestDirs);
    this.catalogue = manifests;
    this.broken = broken;
    this.timeoutMs = options.downloadTimeoutMs ?? 120_000;
    this.logger = options.logger;
    // Said once, when the store opens; the model itself fails with this error when asked for.
    for (const [id, err] of broken) this.logger.error({ id, code: err.code, file: err.details['file'] }, 'model "%s" is disabled: its manifest is broken: %s', id, err.message);
  }

  /** Models whose manifest could not be read or is invalid, with the error each gave (their models are disabled). */
  brokenManifests(): { id: string; error: AgentError }[] {
    return [...this.broken].map(([id, error]) => ({ id, error })).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Every known manifest, sorted by id. */
  manifests(): ModelManifest[] {
    return [...this.catalogue.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The manifest for `id`, or an error naming the known ids and the nearest one. */
  manifest(id: string): ModelManifest {
    const m = this.catalogue.get(id);
    if (m) return m;
    const broken = this.broken.get(id);
    if (broken !== undefined) throw broken;
    const known = [...this.catalogue.keys()];
    const near = nearestName(id, known) ?? known.find((k) => k.startsWith(id));
    throw modelErrors.EDGE_MODEL_UNKNOWN(`Unknown model "${id}"${near ? `; did you mean "${near}"?` : ''} Known models: ${known.join(', ') || '(none)'}`, { id, known });
  }

  /** Where the model's file lives once pulled. */
  pathOf(id: string): string {
    const m = this.manifest(id);
    return join(this.modelDir, m.id, m.file);
  }

  /** Pulls `id` unless a file with the right digest is already in place. */
  async pull(id: string, options: { from?: string | undefined; force?: boolean } = {}): Promise<PullResult> {
    const m = this.manifest(id);
    const dest = this.pathOf(id);
    if (!options.force && existsSync(dest)) {
      const have = await digestFile(dest, { maxBytes: m.bytes });
      if (have.sha256 === m.sha256 && have.bytes === m.bytes) return { id, path: dest, from: 'already-present', sha256: m.sha256, bytes: m.bytes };
      this.logger.warn({ id, path: dest, sha256: have.sha256 }, 'pulled model file does not match its manifest; pulling again');
    }
    const mirror = options.from ?? this.mirrorDir;
    const candidates = mirror !== undefined ? [join(mirror, m.id, m.file)] : m.sources;
    const failures: string[] = [];
    for (const source of candidates) {
      try {
        const got = await this.fetchVerified(m, source, dest);
        this.logger.info({ id, from: source, bytes: got.bytes }, 'model pulled');
        return { id, path: dest, from: source, ...got };
      } catch (err) {
        // A digest mismatch is the file's fault, not the route's: report it as it is.
        if (err instanceof AgentError && (err.code === modelErrors.EDGE_MODEL_SHA256_MISMATCH.code || err.code === modelErrors.EDGE_MODEL_SIZE_MISMATCH.code)) throw err;
        failures.push(`${source}: ${(err as Error).message}`);
      }
    }
    const hint = mirror !== undefined ? `Check that ${join(mirror, m.id, m.file)} exists` : 'Check the network, or pull from a mirror directory with --from DIR (or EDGE_AGENT_MODEL_MIRROR)';
    throw modelErrors.EDGE_MODEL_DOWNLOAD_FAILED(`Could not pull model "${id}":\n  - ${failures.join('\n  - ') || 'the manifest lists no sources'}\n${hint}.`, { id, failures });
  }

  /** The path of a verified model file, pulling it from the mirror when it is missing and a mirror is set. */
  async ensure(id: string): Promise<string> {
    const result = await this.verify(id);
    if (result.state === 'ok') return result.path;
    if (this.mirrorDir !== undefined) return (await this.pull(id)).path;
    if (result.state === 'missing') {
      throw modelErrors.EDGE_MODEL_NOT_PULLED(`Model "${id}" is not in ${this.modelDir}; run \`edge-agent models pull ${id}\` (add --from DIR to pull from a mirror directory)`, { id, modelDir: this.modelDir });
    }
    throw mismatchError(this.manifest(id), result.path, { sha256: result.actualSha256 ?? '(not hashed)', bytes: result.actualBytes ?? 0 });
  }

  /** Re-hashes a pulled model against its manifest. */
  async verify(id: string): Promise<VerifyResult> {
    const m = this.manifest(id);
    const path = this.pathOf(id);
    const base = { id, path, expectedSha256: m.sha256, expectedBytes: m.bytes };
    if (!existsSync(path)) return { ...base, state: 'missing' };
    // Bounded by the manifest's byte count: a larger file is a size mismatch without hashing it.
    const have = await digestFile(path, { maxBytes: m.bytes });
    const state = have.bytes !== m.bytes ? 'size-mismatch' : have.sha256 !== m.sha256 ? 'sha256-mismatch' : 'ok';
    return { ...base, state, ...(have.sha256 === undefined ? {} : { actualSha256: have.sha256 }), actualBytes: have.bytes };
  }

  private async fetchVerified(m: ModelManifest, source: string, dest: string): Promise<{ sha256: string; bytes: number }> {
    return downloadVerified(source, dest, m, {
      timeoutMs: this.timeoutMs,
      what: 'model file',
      refusals: {
        tooLarge: (from) => modelErrors.EDGE_MODEL_SIZE_MISMATCH(`Expected ${m.bytes} bytes for model "${m.id}" from ${from} but received more; refusing it`, { id: m.id, source: from }),
        mismatch: (from, got) => mismatchError(m, from, got),
      },
    });
  }
}

function mismatchError(m: ModelManifest, where: string, got: { sha256: string; bytes: number }): AgentError {
  if (got.bytes !== m.bytes) {
    return modelErrors.EDGE_MODEL_SIZE_MISMATCH(`Expected ${m.bytes} bytes for model "${m.id}" but ${where} has ${got.bytes}; the file is truncated or not this model`, { id: m.id, where, expected: m.bytes, actual: got.bytes });
  }
  return modelErrors.EDGE_MODEL_SHA256_MISMATCH(`Expected sha256 ${m.sha256} for model "${m.id}" but ${where} has ${got.sha256}; refusing it (the file is corrupt or a different model)`, { id: m.id, where, expected: m.sha256, actual: got.sha256 });
}

/**
 * The agent's store: manifests in the model directory (model components, quantized variants)
 * win over the ones bundled with the agent, so a model can be updated without a new agent.
 */
export function openModelStore(options: { modelDir: string; mirrorDir?: string | undefined; logger: Logger }): ModelStore {
  return new ModelStore({ modelDir: options.modelDir, manifestDirs: [options.modelDir, bundledManifestDir], mirrorDir: options.mirrorDir, logger: options.logger });
}

/**
 * Validates received messages against the JSON Schemas in ../schemas, after telling the kinds
 * apart by shape: `kind` for envelopes, events and counts, `type: "outbox.drop"` for drop records, neither for a result.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { AgentMessage } from '../messages.js';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const SCHEMA_FILES = ['result-message', 'event-message', 'counts-message', 'drop-message', 'result-batch', 'status-message', 'heartbeat-message'] as const;

/** Which schema a message was checked against. */
export type MessageKind = 'result' | 'event' | 'counts' | 'drop' | 'batch' | 'status' | 'heartbeat';

/** The outcome of validating one message. */
export type Validation = { ok: true; kind: MessageKind; message: AgentMessage } | { ok: false; kind: MessageKind | 'unknown'; errors: string[] };

function loadSchema(name: string): object {
  return JSON.parse(readFileSync(new URL(`../schemas/${name}.schema.json`, import.meta.url), 'utf8')) as object;
}

/** Compiles the schemas once; `validate` is then cheap per message. */
export class MessageValidator {
  private readonly validators: Record<MessageKind, ValidateFunction>;

  constructor() {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    for (const name of SCHEMA_FILES) ajv.addSchema(loadSchema(name));
    const get = (name: string): ValidateFunction => ajv.getSchema(`https://edge-agent.dev/schemas/${name}.v1.json`) as ValidateFunction;
    this.validators = {
      result: get('result-message'),
      event: get('event-message'),
      counts: get('counts-message'),
      drop: get('drop-message'),
      batch: get('result-batch'),
      status: get('status-message'),
      heartbeat: get('heartbeat-message'),
    };
  }

  /** Parses and validates one payload. */
  validate(payload: string | Buffer): Validation {
    let value: unknown;
    try {
      value = JSON.parse(payload.toString());
    } catch (err) {
      return { ok: false, kind: 'unknown', errors: [`not JSON: ${(err as Error).message}`] };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, kind: 'unknown', errors: ['not a JSON object'] };
    const kind = kindOf(value);
    const tag = (value as { kind?: unknown }).kind;
    if (kind === undefined) return { ok: false, kind: 'unknown', errors: [`unknown kind ${JSON.stringify(tag)}`] };
    const check = this.validators[kind];
    if (check(value)) return { ok: true, kind, message: value as AgentMessage };
    return { ok: false, kind, errors: (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`) };
  }
}

function kindOf(value: { kind?: unknown; type?: unknown }): MessageKind | undefined {
  if (value.type === 'outbox.drop') return 'drop';
  if (value.kind === undefined) return 'result';
  return (['event', 'counts', 'batch', 'status', 'heartbeat'] as const).find((k) => k === value.kind);
}

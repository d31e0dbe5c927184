/** The result record JSON Schema compiled once for tests. */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { repoRoot } from './shared.js';
import { join } from 'node:path';

const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

/** Validates one result record against agent/results/result-record.schema.json. */
export const validateResultRecord = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'agent/results/result-record.schema.json'), 'utf8')));

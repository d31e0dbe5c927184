/** Result records for publish tests: valid against the schema, small, and with a fresh ULID each. */
import { ulid } from 'ulid';
import type { OutboxEntry } from '../../../agent/outbox/outbox.js';
import type { DetectionRecord } from '../../../agent/results/result-record.js';
import { resultEntry } from '../../../agent/publish/result-entry.js';

/** One detection record for frame `n`. */
export function makeRecord(n: number, deviceId = 'test-device'): DetectionRecord {
  return {
    schemaVersion: 1,
    resultId: ulid(),
    deviceId,
    model: { id: 'person-yolox-192', version: '1', sha256: 'a'.repeat(64) },
    frame: { source: 'cam0', seq: n, capturedAt: new Date(1_700_000_000_000 + n * 100).toISOString(), width: 640, height: 480 },
    timing: { preprocessMs: 1.5, inferenceMs: 12.25, postprocessMs: 0.5 },
    provider: 'cpu',
    detections: [{ label: 'person', score: 0.9, box: { x: 10, y: 20, width: 30, height: 40 } }],
  };
}

/** `count` outbox entries on `topic`. */
export function makeEntries(count: number, topic: string, deviceId = 'test-device'): OutboxEntry[] {
  return Array.from({ length: count }, (_, i) => resultEntry(makeRecord(i, deviceId), topic));
}

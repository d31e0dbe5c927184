/**
 * The `counts` policy through the whole agent: a real `edge-agent run` with person-yolox-192 and a
 * files camera replaying hopper.jpg (a person standing), `report.policy: counts` every 2 s, a zone
 * over the frame and a line. The counts messages are read out of the real SQLite outbox, checked
 * by the subscriber's validator and delivery checker, and must be contiguous in time: a partial
 * first interval (`started`), whole intervals aligned to 2 s, a partial last one (`shutdown`).
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CountsMessage } from '../../agent/publish/messages.js';
import { DeliveryChecker } from '../../agent/publish/subscriber/delivery-checker.js';
import { MessageValidator } from '../../agent/publish/subscriber/message-validator.js';
import { sharedModels } from '../helpers/shared.js';
import { keptOfKind, oneImageFrames, outboxRows, waitUntil } from './helpers/agent-output.js';
import { startAgent } from '../faults/helpers/agent.js';

function writeConfig(dir: string, frames: string): string {
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, `deviceId: counts-test
dataDir: ${dir}/data
logLevel: info
models: { mirror: ${sharedModels}, dir: ${dir}/models }
health: { enabled: true, host: 127.0.0.1, port: 0 }
cameras:
  - name: door
    source: { type: files, path: ${frames}, fps: 2, loop: true }
    targetFps: 2
    zones:
      - name: floor
        polygon: [[0, 0], [1, 0], [1, 1], [0, 1]]
    lines:
      - name: middle
        from: [0.5, 0]
        to: [0.5, 1]
    models:
      - id: person-yolox-192
        threshold: 0.3
        report: { policy: counts, intervalSeconds: 2 }
`);
  return file;
}

t.test('the agent sends one valid counts message per interval, contiguous, partial at start and stop', { timeout: 600_000 }, async (t) => {
  const dir = t.testdir();
  const frames = oneImageFrames(dir);
  const dataDir = join(dir, 'data');
  const agent = await startAgent(writeConfig(dir, frames));
  t.teardown(() => agent.kill());
  const seen = (): boolean => keptOfKind<CountsMessage>(dataDir, 'counts').filter((c) => !c.partial && c.labels.some((l) => l.label === 'person')).length >= 2;
  await waitUntil('two whole intervals with the person', seen);
  t.equal(await agent.stop(60_000), 0, 'clean exit');

  const rows = outboxRows(dataDir);
  const validator = new MessageValidator();
  const checker = new DeliveryChecker();
  for (const row of rows) {
    const v = validator.validate(row.payload);
    t.ok(v.ok, `row valid: ${v.ok ? v.kind : v.errors.join('; ')}`);
    checker.accept(row.topic, row.payload);
  }
  const report = checker.report();
  t.equal(report.invalid, 0);
  t.same(report.devices.map((d) => d.gaps), [[]], 'no gaps in seq or streamSeq');
  t.equal(rows.length, keptOfKind<CountsMessage>(dataDir, 'counts').length, 'the counts policy keeps nothing but counts messages');

  const counts = keptOfKind<CountsMessage>(dataDir, 'counts');
  t.ok(counts.length >= 4, `${counts.length} counts messages`);
  const first = counts[0] as CountsMessage;
  const last = counts[counts.length - 1] as CountsMessage;
  t.match(first, { partial: true, partialReason: 'started', camera: 'door', deviceId: 'counts-test', intervalSeconds: 2, model: { id: 'person-yolox-192' } });
  t.match(last, { partial: true, partialReason: 'shutdown' });
  for (let i = 1; i < counts.length; i++) t.equal(counts[i]?.intervalStart, counts[i - 1]?.intervalEnd, `message ${i} starts where ${i - 1} ended`);
  const whole = counts.slice(1, -1);
  for (const c of whole) {
    t.equal(c.partial, false);
    t.equal(Date.parse(c.intervalStart) % 2000, 0, `${c.intervalStart} on a 2 s boundary`);
    t.equal(Date.parse(c.intervalEnd) - Date.parse(c.intervalStart), 2000);
  }
  const withPerson = whole.filter((c) => c.labels.some((l) => l.label === 'person'));
  for (const c of withPerson) {
    const person = c.labels.find((l) => l.label === 'person');
    t.match(person, { tracks: 1, maxAtOnce: 1 }, 'one person standing: one track, one at once');
    t.same(c.zones, [{ zone: 'floor', label: 'person', tracks: 1 }], 'in the zone over the whole frame');
    t.same(c.lines, [], 'a person standing crosses nothing');
    t.ok(c.framesInferred >= 1);
  }
});

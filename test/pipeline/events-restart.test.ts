/**
 * Every `start` gets exactly one `end`, across a crash too: a real agent process with the real
 * person model and a files camera replaying one picture with a person is SIGKILLed while a track
 * is open; when it comes back the outbox holds that track's `end` with reason `restart`. A clean
 * stop (SIGTERM) ends the new run's track with reason `shutdown`.
 */
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPEN_EVENTS_FILE } from '../../agent/pipeline/open-events.js';
import type { EventRecord } from '../../agent/results/event-record.js';
import { sharedModels } from '../helpers/shared.js';
import { keptOfKind, oneImageFrames, waitUntil } from './helpers/agent-output.js';
import { startAgent } from '../faults/helpers/agent.js';

function writeConfig(dir: string, frames: string): string {
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, `deviceId: restart-test
dataDir: ${dir}/data
logLevel: info
models: { mirror: ${sharedModels}, dir: ${dir}/models }
health: { enabled: true, host: 127.0.0.1, port: 0 }
cameras:
  - name: door
    source: { type: files, path: ${frames}, fps: 2, loop: true }
    targetFps: 2
    models:
      - id: person-yolox-192
        threshold: 0.3
        report: { policy: events }
`);
  return file;
}

t.test('a track open at a SIGKILL ends with reason restart; a SIGTERM ends the next with reason shutdown', { timeout: 600_000 }, async (t) => {
  const dir = t.testdir();
  const frames = oneImageFrames(dir);
  const config = writeConfig(dir, frames);
  const dataDir = join(dir, 'data');

  const first = await startAgent(config);
  t.teardown(() => first.kill());
  await waitUntil('a start event', () => keptOfKind<EventRecord>(dataDir, 'event').some((e) => e.type === 'start'));
  // The journal is written when the event is kept; wait for it to name the track before killing.
  const start = keptOfKind<EventRecord>(dataDir, 'event').find((e) => e.type === 'start') as EventRecord;
  await waitUntil('the journal to hold the open track', () => existsSync(join(dataDir, OPEN_EVENTS_FILE)) && readFileSync(join(dataDir, OPEN_EVENTS_FILE), 'utf8').includes(start.trackId));
  await first.kill();
  t.notOk(keptOfKind<EventRecord>(dataDir, 'event').some((e) => e.type === 'end'), 'killed: no end was written by the first run');

  const second = await startAgent(config);
  t.teardown(() => second.kill());
  await waitUntil('the restart end', () => keptOfKind<EventRecord>(dataDir, 'event').some((e) => e.type === 'end' && e.trackId === start.trackId));
  const ends = keptOfKind<EventRecord>(dataDir, 'event').filter((e) => e.type === 'end' && e.trackId === start.trackId);
  t.equal(ends.length, 1, 'exactly one end for the killed run\'s track');
  t.match(ends[0], { reason: 'restart', label: 'person', camera: 'door', startedAt: start.startedAt });

  await waitUntil('a new start in the second run', () => keptOfKind<EventRecord>(dataDir, 'event').some((e) => e.type === 'start' && e.trackId !== start.trackId));
  const code = await second.stop(60_000);
  t.equal(code, 0, 'clean exit');
  const events = keptOfKind<EventRecord>(dataDir, 'event');
  const starts = events.filter((e) => e.type === 'start');
  for (const s of starts) {
    const own = events.filter((e) => e.type === 'end' && e.trackId === s.trackId);
    t.equal(own.length, 1, `one end for track ${s.trackId}`);
  }
  const later = starts.filter((s) => s.trackId !== start.trackId);
  t.ok(later.length >= 1);
  for (const s of later) t.equal(events.find((e) => e.type === 'end' && e.trackId === s.trackId)?.reason, 'shutdown', 'the clean stop ended it with reason shutdown');
  const journal = JSON.parse(readFileSync(join(dataDir, OPEN_EVENTS_FILE), 'utf8')) as { events: unknown[] };
  t.equal(journal.events.length, 0, 'nothing left open for the next start');
});

/**
 * Corrupt store: an outbox is filled with the broker unreachable and the agent SIGKILLed (so its
 * WAL holds the latest rows); five copies are damaged, one way each, and an agent is started on
 * each with the broker up: the file truncated to 60%, a garbage header, a 0-byte file, one payload
 * byte flipped, 256 bytes of garbage in the middle of the WAL. Targets for each: the agent stays
 * alive; readable rows are salvaged (some of the old results arrive; not asked of the 0-byte
 * file); seq continues (no new result reuses an old seq); the subscriber is told (every old
 * pending seq either arrives or is covered by a drop record).
 */
import Database from 'better-sqlite3';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { outboxPath } from '../../agent/outbox/paths.js';
import { healthy, metric, startAgent, writeAgentConfig } from './helpers/agent.js';
import { createFaultBroker } from './helpers/broker.js';
import { startChecking } from './helpers/delivery.js';
import { freePort } from '../publish/helpers/mosquitto.js';
import { runScenario, sleep, waitFor } from './helpers/scenario.js';
import { workdir } from './helpers/workdir.js';

const DEVICE = 'fault-corrupt-store';
const SIDE_FILES = ['-wal', '-shm'];

/** Copies the outbox, its WAL/SHM and its seq mark (`.seq`, which lives beside it on a device) from one data dir to another. */
function copyStore(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const suffix of ['', ...SIDE_FILES, '.seq']) {
    if (existsSync(outboxPath(from) + suffix)) copyFileSync(outboxPath(from) + suffix, outboxPath(to) + suffix);
  }
}

/** Folds the WAL into the main file, so damage to the main file hits every row. */
function checkpoint(dataDir: string): void {
  const db = new Database(outboxPath(dataDir));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  db.close();
}

/** Flips one byte inside a stored payload: the middle occurrence of `"resultId"` in the file. */
function flipPayloadByte(file: string): void {
  const bytes = readFileSync(file);
  const hits: number[] = [];
  for (let i = bytes.indexOf('"resultId"'); i !== -1; i = bytes.indexOf('"resultId"', i + 1)) hits.push(i);
  const at = (hits[Math.floor(hits.length / 2)] ?? Math.floor(bytes.length / 2)) + 3;
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(file, bytes);
}

interface Damage {
  name: string;
  apply(dataDir: string): void;
  expectSalvage: boolean;
}

const damages: Damage[] = [
  { name: 'truncated', expectSalvage: true, apply: (d) => { checkpoint(d); truncateSync(outboxPath(d), Math.floor(statSync(outboxPath(d)).size * 0.6)); } },
  { name: 'garbage-header', expectSalvage: true, apply: (d) => { checkpoint(d); const b = readFileSync(outboxPath(d)); for (let i = 0; i < 100; i++) b[i] = (i * 37 + 11) & 0xff; writeFileSync(outboxPath(d), b); } },
  { name: 'zero-byte', expectSalvage: false, apply: (d) => { for (const s of SIDE_FILES) rmSync(outboxPath(d) + s, { force: true }); writeFileSync(outboxPath(d), ''); } },
  { name: 'flipped-payload-byte', expectSalvage: true, apply: (d) => { checkpoint(d); flipPayloadByte(outboxPath(d)); } },
  { name: 'wal-damage', expectSalvage: true, apply: (d) => { const wal = outboxPath(d) + '-wal'; const b = readFileSync(wal); const mid = Math.floor(b.length / 2); for (let i = 0; i < 256 && mid + i < b.length; i++) b[mid + i] = (i * 53 + 7) & 0xff; writeFileSync(wal, b); } },
];

runScenario('corrupt-store', 6 * 60_000, async (s) => {
  const dir = workdir(s, 'corrupt-store');
  const broker = await createFaultBroker(dir);
  await broker.start();
  s.cleanup(() => broker.stop());
  const modelsDir = join(dir, 'models');

  const original = join(dir, 'original');
  const builder = await startAgent(writeAgentConfig(dir, { deviceId: DEVICE, dataDir: original, modelsDir, brokerUrl: `mqtt://127.0.0.1:${await freePort()}` }));
  s.cleanup(() => builder.kill());
  await waitFor(async () => (await metric(builder.base, 'edge_agent_results_kept_total')) >= 150, 90_000, 500);
  await builder.kill();
  const walBytes = existsSync(outboxPath(original) + '-wal') ? statSync(outboxPath(original) + '-wal').size : 0;
  s.figure('walBytes', walBytes);

  // What the outbox held, read from an undamaged copy.
  const reference = join(dir, 'reference');
  copyStore(original, reference);
  checkpoint(reference);
  const refDb = new Database(outboxPath(reference), { readonly: true });
  const oldRows = refDb.prepare("SELECT seq, result_id AS resultId FROM outbox WHERE state = 'pending' AND kind = 'result'").all() as { seq: number; resultId: string }[];
  const oldLastSeq = (refDb.prepare("SELECT value FROM counters WHERE name = 'seq'").get() as { value: number }).value;
  refDb.close();
  s.figure('oldPending', oldRows.length);
  s.figure('oldLastSeq', oldLastSeq);
  const oldIds = new Set(oldRows.map((r) => r.resultId));

  for (const damage of damages) {
    const dataDir = join(dir, damage.name);
    copyStore(original, dataDir);
    damage.apply(dataDir);
    const checking = await startChecking(broker.url);
    let agent;
    try {
      agent = await startAgent(writeAgentConfig(dir, { deviceId: DEVICE, dataDir, modelsDir, brokerUrl: broker.url }));
    } catch (err) {
      s.check(`${damage.name}: the agent starts`, false, (err as Error).message.split('\n')[0]);
      await checking.close();
      continue;
    }
    // Settled: the old backlog is out and some new results followed it.
    await waitFor(async () => (await metric(agent.base, 'edge_agent_outbox_pending_rows')) <= 2 && checking.seen.filter((i) => i.resultId !== undefined && !oldIds.has(i.resultId)).length >= 10, 60_000, 1000);
    const alive = agent.alive() && (await healthy(agent.base));
    const recreated = await metric(agent.base, 'edge_agent_outbox_recreated_total');
    await agent.stop();
    await sleep(500);
    await checking.close();
    const results = checking.seen.filter((i) => i.kind === 'result');
    const salvaged = results.filter((i) => i.resultId !== undefined && oldIds.has(i.resultId)).length;
    const fresh = results.filter((i) => i.resultId !== undefined && !oldIds.has(i.resultId));
    const reused = fresh.filter((i) => i.seq <= oldLastSeq).length;
    const drops = checking.seen.filter((i) => i.kind === 'drop');
    const arrived = new Set(results.map((i) => i.seq));
    const untold = oldRows.filter((r) => !arrived.has(r.seq) && !drops.some((d) => d.firstSeq !== undefined && d.lastSeq !== undefined && r.seq >= d.firstSeq && r.seq <= d.lastSeq)).length;
    const invalid = checking.summary().invalid;
    s.figure(`${damage.name}.salvaged`, salvaged);
    s.figure(`${damage.name}.new`, fresh.length);
    s.figure(`${damage.name}.reusedSeqs`, reused);
    s.figure(`${damage.name}.untold`, untold);
    s.figure(`${damage.name}.dropRecords`, drops.length);
    s.figure(`${damage.name}.recreated`, recreated);
    s.figure(`${damage.name}.invalid`, invalid);
    s.check(`${damage.name}: alive and healthy`, alive);
    if (damage.expectSalvage) s.check(`${damage.name}: readable rows salvaged`, salvaged > 0, `${salvaged} of ${oldRows.length} old results arrived`);
    s.check(`${damage.name}: new results published`, fresh.length > 0, `${fresh.length}`);
    s.check(`${damage.name}: seq continues`, fresh.length > 0 && reused === 0, `${reused} new results reuse a seq up to ${oldLastSeq}`);
    s.check(`${damage.name}: the subscriber is told of every old result not delivered`, untold === 0, `${untold} of ${oldRows.length} old results neither arrived nor covered by a drop record`);
  }
});

/**
 * Full disk: the data dir is a 16 MiB tmpfs; while the broker is unreachable a ballast file fills
 * it to the last byte, then is removed. Targets: the agent stays alive and healthy; drops are
 * counted (edge_agent_outbox_dropped_rows_total) and recorded (drop records reach the subscriber
 * once the broker is back, and every missing seq is covered by one); results are kept again once
 * space returns.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { accountSeqs, readOutboxBooks } from './helpers/accounting.js';
import { healthy, metric, startAgent, writeAgentConfig } from './helpers/agent.js';
import { createFaultBroker } from './helpers/broker.js';
import { startChecking } from './helpers/delivery.js';
import { runScenario, sleep, waitFor } from './helpers/scenario.js';
import { freeBytes, mountTmpfs } from './helpers/tmpfs.js';
import { workdir } from './helpers/workdir.js';

/** Writes zeros into `file` until the file system refuses (ENOSPC); returns the bytes written. */
function fillUp(file: string): number {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) {
      try {
        written += writeSync(fd, chunk, 0, chunk.length);
      } catch {
        // ENOSPC: top up with what is left, byte-sized, then stop.
        try {
          for (;;) written += writeSync(fd, chunk, 0, 512);
        } catch {
          return written;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

runScenario('disk-full', 5 * 60_000, async (s) => {
  const dir = workdir(s, 'disk-full');
  const dataDir = mountTmpfs(s, 16 * 1024 * 1024);
  const broker = await createFaultBroker(dir);
  const checking = await (async () => {
    await broker.start();
    return startChecking(broker.url);
  })();
  s.cleanup(() => broker.stop());
  s.cleanup(() => checking.close());
  // The broker is down while the disk fills, so the outbox has to hold everything.
  await broker.stop();
  const config = writeAgentConfig(dir, { deviceId: 'fault-disk-full', dataDir, modelsDir: join(dir, 'models'), brokerUrl: broker.url, outboxExtra: ['minFreeDiskBytes: 1048576'] });
  const agent = await startAgent(config);
  s.cleanup(() => agent.kill());
  await waitFor(async () => (await metric(agent.base, 'edge_agent_results_kept_total')) >= 30, 60_000, 500);

  const ballast = join(dataDir, 'ballast');
  const ballastBytes = fillUp(ballast);
  s.figure('ballastBytes', ballastBytes);
  s.figure('freeAfterFill', freeBytes(dataDir));
  const keptAtFull = await metric(agent.base, 'edge_agent_results_kept_total');
  await sleep(20_000);
  const aliveWhileFull = agent.alive() && (await healthy(agent.base));
  const dropsWhileFull = await metric(agent.base, 'edge_agent_outbox_dropped_rows_total');
  const keptWhileFull = (await metric(agent.base, 'edge_agent_results_kept_total')) - keptAtFull;
  rmSync(ballast);
  const keptAtFree = await metric(agent.base, 'edge_agent_results_kept_total');
  const keepsAgain = await waitFor(async () => (await metric(agent.base, 'edge_agent_results_kept_total')) >= keptAtFree + 20, 60_000, 500);
  // Still dropping once the disk has room would make "kept again" meaningless.
  const dropsAfterFree = (await metric(agent.base, 'edge_agent_outbox_dropped_rows_total')) - dropsWhileFull;
  const pendingAtBrokerStart = await metric(agent.base, 'edge_agent_outbox_pending_rows');
  s.figure('dropsAfterFree', dropsAfterFree);
  s.figure('pendingAtBrokerStart', pendingAtBrokerStart);
  await broker.start();
  // Results kept after the space returned must come out: at least those 20 are published.
  const pendingDrained = await waitFor(async () => (await metric(agent.base, 'edge_agent_outbox_pending_rows')) <= 5 && (await metric(agent.base, 'edge_agent_results_published_total')) >= 20, 120_000, 1000);
  const published = await metric(agent.base, 'edge_agent_results_published_total');
  const keptTotal = await metric(agent.base, 'edge_agent_results_kept_total');
  const droppedTotal = await metric(agent.base, 'edge_agent_outbox_dropped_rows_total');
  const exit = await agent.stop();
  await sleep(1000);
  const d = checking.summary();
  // Every seq the outbox handed out, from its own file: delivered, covered by a drop record that
  // arrived, or still stored; anything else vanished.
  const books = readOutboxBooks(dataDir);
  const account = accountSeqs(checking.seen, books);
  s.figure('dropsCounted', dropsWhileFull);
  s.figure('keptWhileFull', keptWhileFull);
  s.figure('keptTotal', keptTotal);
  s.figure('droppedTotal', droppedTotal);
  s.figure('lastSeq', books.lastSeq);
  s.figure('dropRecords', d.dropRecords);
  s.figure('coveredByDropRecords', account.coveredByDropRecords);
  s.figure('published', published);
  s.figure('delivered', d.unique);
  s.figure('stillPending', account.stillPending);
  s.figure('unaccounted', account.unaccounted);
  s.figure('lost', d.lost);
  s.figure('invalid', d.invalid);
  s.check('alive and healthy while the disk is full', aliveWhileFull);
  s.check('drops counted in /metrics', dropsWhileFull > 0, `${dropsWhileFull}`);
  s.check('results kept again once space returned', keepsAgain);
  s.check('the backlog drained once the broker was back', pendingDrained, `${published} published`);
  s.check('results kept after the space returned were delivered', d.unique >= 20, `${d.unique} delivered`);
  s.check('drops recorded: drop records arrived', d.dropRecords > 0, `${d.dropRecords} drop records`);
  s.check('every dropped result is covered by a drop record that arrived', account.coveredByDropRecords >= droppedTotal, `${account.coveredByDropRecords} seqs covered, ${droppedTotal} dropped`);
  s.check('nothing vanished: every seq 1..last delivered, covered by a drop record, or still in the outbox', account.unaccounted === 0 && books.lastSeq > 0, `${account.unaccounted} of 1..${books.lastSeq} unaccounted ${account.sample}`);
  s.check('no unexplained gap', d.lost === 0, `lost ${d.lost} ${d.gapSample}`);
  s.check('every message valid', d.invalid === 0, `${d.invalid} invalid`);
  s.check('PRAGMA integrity_check ok', books.integrity === 'ok', books.integrity);
  s.check('SIGTERM exits 0', exit === 0, `exit ${exit}`);
});

/**
 * SIGKILL while draining: a backlog is built with the broker unreachable, then the agent is
 * started against the broker and SIGKILLed at 50 random points while it drains and keeps
 * producing: each kill comes 0 to 1.5 s after the first message of that run reached the checking
 * subscriber (so every kill lands while messages are in flight, never during start-up, and no
 * time goes on waiting past that). A last run without cameras drains the rest. Targets: 0 lost
 * (every seq up to the outbox's last one delivered or covered by a drop record), duplicates at
 * most the in-flight window (20) per kill, `PRAGMA integrity_check` ok.
 *
 * An agent start (tsx, onnxruntime, sharp, the model) is most of each cycle: about 10 s on a
 * loaded 2-core machine, so the 51 starts are most of this scenario's time.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { outboxPath } from '../../agent/outbox/paths.js';
import { defaultCamera, metric, startAgent, writeAgentConfig, type FaultAgentConfig } from './helpers/agent.js';
import { createFaultBroker } from './helpers/broker.js';
import { startChecking } from './helpers/delivery.js';
import { freePort } from '../publish/helpers/mosquitto.js';
import { runScenario, sleep, waitFor } from './helpers/scenario.js';
import { workdir } from './helpers/workdir.js';

const KILLS = 50;
const IN_FLIGHT = 20;
/** Results kept offline before the kills start: at 20 publishes/s, several runs' worth of draining. */
const BACKLOG = 200;
/** The latest kill point after a run's first message arrived. */
const KILL_WINDOW_MS = 1_500;

runScenario('sigkill', 16 * 60_000, async (s) => {
  const dir = workdir(s, 'sigkill');
  const broker = await createFaultBroker(dir);
  await broker.start();
  s.cleanup(() => broker.stop());
  const checking = await startChecking(broker.url);
  s.cleanup(() => checking.close());
  const base: FaultAgentConfig = { deviceId: 'fault-sigkill', dataDir: join(dir, 'data'), modelsDir: join(dir, 'models'), brokerUrl: broker.url, publishExtra: [`maxInflight: ${IN_FLIGHT}`, 'ratePerSecond: 20'], cameras: [defaultCamera(10)] };

  // The backlog: results kept while nothing listens on the broker URL. Waited for as long as the
  // scenario's deadline allows (a loaded machine infers slowly), as long as the count still grows.
  const offline = await startAgent(writeAgentConfig(dir, { ...base, brokerUrl: `mqtt://127.0.0.1:${await freePort()}` }));
  s.cleanup(() => offline.kill());
  const backlogStarted = Date.now();
  let lastKept = -1;
  let lastGrowth = Date.now();
  await waitFor(async () => {
    const kept = await metric(offline.base, 'edge_agent_results_kept_total');
    if (kept > lastKept) {
      lastKept = kept;
      lastGrowth = Date.now();
    }
    // Stuck (no new result for a minute) or dead: go on, and the backlog check below fails.
    return kept >= BACKLOG || !offline.alive() || Date.now() - lastGrowth > 60_000;
  }, 6 * 60_000, 500);
  const backlog = await metric(offline.base, 'edge_agent_results_kept_total');
  s.figure('backlogSeconds', Math.round((Date.now() - backlogStarted) / 1000));
  await offline.stop();
  s.figure('backlog', backlog);
  if (backlog < BACKLOG) throw new Error(`the offline agent kept ${backlog} results, not ${BACKLOG} (no new result for a minute, or it exited)`);

  const config = writeAgentConfig(dir, base);
  const received = (): number => {
    const d = checking.summary();
    return d.unique + d.dropRecords + d.duplicates;
  };
  let maxDuplicatesPerKill = 0;
  let lastDuplicates = 0;
  let killed = 0;
  let killedWhileDraining = 0;
  const cycleStarted = Date.now();
  for (let i = 0; i < KILLS; i++) {
    const before = received();
    const agent = await startAgent(config);
    // Draining: a message of this run arrived. A run that sends nothing in a minute is killed
    // anyway and not counted as a kill while draining.
    // (Its own log says it connected, so a late message of the previous run does not count.)
    const draining = await waitFor(() => (/"msg":"publish: connected/.test(agent.log()) && received() > before) || !agent.alive(), 60_000, 50);
    if (draining && agent.alive()) killedWhileDraining += 1;
    await sleep(Math.floor(Math.random() * KILL_WINDOW_MS));
    await agent.kill();
    killed += 1;
    await sleep(300);
    const dup = checking.summary().duplicates;
    maxDuplicatesPerKill = Math.max(maxDuplicatesPerKill, dup - lastDuplicates);
    lastDuplicates = dup;
    if (i % 10 === 9) s.note(`${i + 1} kills, ${checking.summary().unique} delivered`);
  }
  s.figure('secondsPerKill', Math.round((Date.now() - cycleStarted) / killed / 100) / 10);

  // The rest drains with no camera adding to it.
  const drain = await startAgent(writeAgentConfig(dir, { ...base, cameras: [] }));
  s.cleanup(() => drain.kill());
  const drained = await waitFor(async () => (await metric(drain.base, 'edge_agent_outbox_pending_rows')) === 0 && (await metric(drain.base, 'edge_agent_publisher_connected')) === 1, 180_000, 1000);
  await sleep(2000);
  const exit = await drain.stop();
  const db = new Database(outboxPath(base.dataDir), { readonly: true });
  const integrity = db.pragma('integrity_check', { simple: true }) as string;
  const lastSeq = (db.prepare("SELECT value FROM counters WHERE name = 'seq'").get() as { value: number } | undefined)?.value ?? -1;
  db.close();
  const d = checking.summary();
  s.figure('kills', killed);
  s.figure('killsWhileDraining', killedWhileDraining);
  s.figure('lastSeq', lastSeq);
  s.figure('delivered', d.unique);
  s.figure('dropRecords', d.dropRecords);
  s.figure('lost', d.lost);
  s.figure('duplicates', d.duplicates);
  s.figure('maxDuplicatesAfterOneKill', maxDuplicatesPerKill);
  s.figure('invalid', d.invalid);
  s.check(`${KILLS} kills, each while messages were flowing`, killed === KILLS && killedWhileDraining === KILLS, `${killedWhileDraining} of ${killed}`);
  s.check('the rest drained after the kills', drained);
  s.check('0 lost: every seq up to the last one arrived or is covered by a drop record', d.lost === 0 && d.firstSeq === 1 && d.lastSeq === lastSeq, `lost ${d.lost}, seqs ${d.firstSeq}..${d.lastSeq} of 1..${lastSeq} ${d.gapSample}`);
  s.check(`duplicates at most ${IN_FLIGHT} per kill`, maxDuplicatesPerKill <= IN_FLIGHT && d.duplicates <= IN_FLIGHT * killed, `max ${maxDuplicatesPerKill} after one kill, ${d.duplicates} in all`);
  s.check('PRAGMA integrity_check ok', integrity === 'ok', integrity);
  s.check('every message valid', d.invalid === 0, `${d.invalid} invalid`);
  s.check('the last run exits 0 on SIGTERM', exit === 0, `exit ${exit}`);
});

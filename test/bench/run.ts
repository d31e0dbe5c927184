/**
 * `npm run bench`: every benchmark in one run, so the numbers compare as ratios on the same
 * (shared, noisy) machine. Each part prints its own table; this prints the machine first.
 * Parts: infer, loop (with the agent's memory), outbox, publish, quantize, peer, storage (slow
 * fsync, group commit), console (frames/s with and without a viewer), cameras (1, 2 and 4 cameras
 * with 1 or 2 models per intra-op thread setting), events (motion gate, tracker, open-events
 * journal, messages per minute by report policy), start-memory (the demo's RSS, npm start vs tsx),
 * loop-delay (the compiled agent's event-loop delay p99 with and without a slow fsync),
 * batching (several cameras' frames in one session call vs one at a time).
 * Pick some with
 * `npm run bench -- infer loop`.
 */
import { cpus, totalmem, release, arch } from 'node:os';
import { runInferBench } from './infer.js';
import { runLoopBench } from './loop.js';
import { formatOutboxBench, runOutboxBench } from './outbox.js';
import { formatPublishBench, runPublishBench } from './publish.js';
import { runQuantizeBench } from './quantize.js';
import { runPeerBench } from './peer.js';
import { formatConsoleBench, runConsoleBench } from './console.js';
import { formatStorageBench, runStorageBench } from './storage.js';
import { formatCamerasBench, runCamerasBench } from './cameras.js';
import { formatStartMemoryBench, runStartMemoryBench } from './start-memory.js';
import { runEventsBench } from './events.js';
import { formatBatchingBench, runBatchingBench } from './batching.js';
import { formatLoopDelayBench, runLoopDelayBench } from './loop-delay.js';

const parts: Record<string, () => Promise<unknown>> = {
  infer: async () => {
    await runInferBench({ modelId: 'person-yolox-192' });
    await runInferBench({ modelId: 'face-yunet-2023mar' });
  },
  loop: () => runLoopBench(),
  outbox: async () => {
    console.log('\noutbox inserts (temp dir on this disk)');
    console.log(formatOutboxBench(runOutboxBench()));
  },
  publish: async () => {
    console.log('\npublish throughput (loopback Mosquitto, 100,000-result backlog)');
    console.log(formatPublishBench(await runPublishBench()));
  },
  quantize: () => runQuantizeBench(),
  peer: () => runPeerBench(),
  storage: async () => {
    console.log('\nslow storage (fsync shim): results stored and event-loop delay, per result vs group commit');
    console.log(formatStorageBench(await runStorageBench()));
  },
  console: async () => {
    console.log('\nconsole: frames/s with no viewer and with one live viewer (alternating phases)');
    console.log(formatConsoleBench(await runConsoleBench()));
  },
  cameras: async () => {
    console.log('\nseveral cameras and models: frames/s, fairness and CPU per frame per intra-op thread setting (alternating)');
    console.log(formatCamerasBench(await runCamerasBench()));
  },
  'start-memory': async () => {
    console.log('\nthe demo\'s memory: npm start (compiled dist/) vs the sources through tsx, RSS 60 s after start (alternating)');
    console.log(formatStartMemoryBench(await runStartMemoryBench()));
  },
  events: () => runEventsBench(),
  'loop-delay': async () => {
    console.log('\nevent-loop delay of the compiled agent (two models, 20 frames/s), fsync shim off and +20 ms, intra-op threads 1 and 0 (alternating)');
    console.log(formatLoopDelayBench(await runLoopDelayBench()));
  },
  batching: async () => {
    console.log('\nbatching across cameras: batch-dynamic graph at batch 1, 2, 4; 2 or 4 simulated cameras one at a time, adaptive or filled; the agent\'s ModelRunner with batching off and on (alternating)');
    console.log(formatBatchingBench(await runBatchingBench()));
  },
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in parts));
if (unknown.length > 0) {
  console.error(`unknown benchmark part(s): ${unknown.join(', ')}; known: ${Object.keys(parts).join(', ')}`);
  process.exit(2);
}
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`machine: ${cpus().length} x ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${arch()} Linux ${release()}, Node ${process.version}; ${new Date().toISOString()}`);
for (const name of wanted.length > 0 ? wanted : Object.keys(parts)) {
  const t0 = performance.now();
  await (parts[name] as () => Promise<unknown>)();
  console.log(`[${name} took ${((performance.now() - t0) / 1000).toFixed(0)} s]`);
}

/**
 * Per-topic streams end to end: a real outbox with two models' topics and a row limit that drops,
 * read back and fed to the subscriber's checker topic by topic, as a subscriber to one topic
 * would receive them. Each topic's streamSeq is gap-free apart from what its drop records cover.
 */
import t from 'tap';
import { DeliveryChecker } from '../../agent/publish/subscriber/delivery-checker.js';
import { detectionEntry, openOutbox } from './helpers.js';

const topics = ['edge-agent/dev1/results/person-yolox', 'edge-agent/dev1/results/face-yunet'] as const;

t.test('each topic is a gap-free stream; drops are covered per stream', async (t) => {
  const outbox = openOutbox(t.testdir(), { maxRows: 50, dropFraction: 0.3, dropRecordFields: { deviceId: 'dev1' } });
  t.teardown(() => outbox.close());
  // Two models at different rates: person on every frame, face on every third.
  let i = 0;
  for (let frame = 0; frame < 300; frame += 1) {
    outbox.enqueue(detectionEntry(i++, topics[0]));
    if (frame % 3 === 0) outbox.enqueue(detectionEntry(i++, topics[1]));
  }
  t.ok((outbox.status().droppedByReason['maxRows'] ?? 0) > 0, 'the limit dropped rows');
  const rows = outbox.nextPending(1_000);
  for (const topic of topics) {
    const checker = new DeliveryChecker();
    for (const row of rows.filter((r) => r.topic === topic)) checker.accept(topic, row.payload);
    const report = checker.report();
    t.equal(report.invalid, 0, `${topic}: every message matches the contract (${JSON.stringify(report.invalidSamples)})`);
    const d = report.devices[0];
    t.same(d?.gaps, [], `${topic}: a subscriber to this topic alone sees no unexplained gap`);
    // From stream seq 1 on: every number is received, or inside a drop record of this stream.
    const mine = rows.filter((r) => r.topic === topic);
    const covered = new Set(mine.map((r) => r.streamSeq));
    for (const r of mine.filter((m) => m.kind === 'drop')) {
      const p = JSON.parse(r.payload) as { stream: string; firstStreamSeq: number; lastStreamSeq: number };
      t.equal(p.stream, topic, 'the drop record names its stream');
      for (let n = p.firstStreamSeq; n <= p.lastStreamSeq; n += 1) covered.add(n);
    }
    const last = d?.streams[0]?.lastStreamSeq ?? 0;
    const unexplained = Array.from({ length: last }, (_, k) => k + 1).filter((n) => !covered.has(n));
    t.same(unexplained, [], `${topic}: stream seqs 1..${last} are all received or covered by its drop records`);
  }
  const streamSeqs = rows.filter((r) => r.topic === topics[1]).map((r) => r.streamSeq);
  t.same(streamSeqs, [...streamSeqs].sort((a, b) => (a ?? 0) - (b ?? 0)), 'stream seqs increase in delivery order');
});

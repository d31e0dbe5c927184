import t from 'tap';
import { join } from 'node:path';
import { OutboxReader } from '../../agent/outbox/outbox-reader.js';
import { entry, openOutbox } from './helpers.js';

t.test('the read-only reader sees committed rows while the writer stays open, paging through them', async (t) => {
  const dir = t.testdir();
  const clock = 1_800_000_000_000;
  const outbox = openOutbox(dir, { now: () => clock });
  t.teardown(() => outbox.close());
  outbox.enqueueMany([1, 2, 3, 4, 5, 6, 7].map((i) => entry(i)));
  const reader = OutboxReader.open(join(dir, 'outbox.sqlite'));
  t.teardown(() => reader.close());
  t.same([...reader.pending(3)].map((r) => r.seq), [1, 2, 3, 4, 5, 6, 7], 'pages of 3 cover every row once');
  outbox.enqueue(entry(8));
  const first = outbox.nextPending(1)[0]!;
  outbox.markDelivered([first.id]);
  t.same(reader.status(clock), outbox.status(), 'reader and writer count the same way');
  t.equal(reader.status().pendingRows, 7);
});

t.test('the reader refuses a missing file and a foreign one', async (t) => {
  const dir = t.testdir({ 'outbox.sqlite': 'garbage'.repeat(200) });
  t.throws(() => OutboxReader.open(join(dir, 'nope.sqlite')), { code: 'EDGE_OUTBOX_NOT_FOUND' });
  t.throws(() => OutboxReader.open(join(dir, 'outbox.sqlite')), { code: 'EDGE_OUTBOX_OPEN_FAILED', message: /moves an unusable outbox aside/ });
});

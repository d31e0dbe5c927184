import t from 'tap';
import { SourceListeners } from '../../agent/capture/source-listeners.js';
import type { Frame } from '../../agent/capture/frame.js';

const frame = { source: 'cam', seq: 0, capturedAt: new Date(0), image: { kind: 'encoded', data: Buffer.alloc(0) } } as unknown as Frame;

t.test('a listener that throws is reported and the others still get the frame', (t) => {
  const thrown: string[] = [];
  const listeners = new SourceListeners((err, what) => thrown.push(`${what}: ${(err as Error).message}`));
  const seen: number[] = [];
  listeners.onFrame(() => seen.push(1));
  listeners.onFrame(() => {
    throw new Error('consumer bug');
  });
  listeners.onFrame(() => seen.push(3));
  listeners.frame(frame);
  t.same(seen, [1, 3]);
  t.same(thrown, ['frame: consumer bug']);
  t.end();
});

t.test('end listeners are told once, and one added after the end is told too', async (t) => {
  const listeners = new SourceListeners(() => t.fail('no listener throws here'));
  let ends = 0;
  listeners.onEnd(() => (ends += 1));
  const remove = listeners.onEnd(() => t.fail('a removed listener is not told'));
  remove();
  listeners.end();
  listeners.end();
  t.equal(ends, 1);
  const late = new Promise<void>((resolve) => listeners.onEnd(resolve));
  await late;
  t.equal(ends, 1);
});

t.test('a removed frame listener gets nothing', (t) => {
  const listeners = new SourceListeners(() => undefined);
  let count = 0;
  const off = listeners.onFrame(() => (count += 1));
  listeners.frame(frame);
  off();
  listeners.frame(frame);
  t.equal(count, 1);
  t.end();
});

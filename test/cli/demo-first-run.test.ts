/**
 * The demo's first run through the real command line: with no network and no mirror it stops
 * with EDGE_MODEL_SAMPLE_IMAGES_UNAVAILABLE and exit status 6, and says what to do; with a
 * 127.0.0.1 server as --demo-images it downloads, plays each image once (--exit-when-done) and
 * publishes, and the next run uses the cache.
 */
import t from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { closedBaseUrl, startFileServer } from '../helpers/file-server.js';
import { sharedImages, sharedModels } from '../helpers/shared.js';

t.test('no network, no mirror: exit status 6 and what to do', async (t) => {
  const dataDir = t.testdir();
  const r = await runCli(['run', '--data-dir', dataDir, '--demo-images', await closedBaseUrl(), '--no-status', '--health-port', '0'], {}, 180_000);
  t.equal(r.code, 6, 'exit status 6 (environment), as docs/cli.md says');
  t.match(r.stderr, 'EDGE_MODEL_SAMPLE_IMAGES_UNAVAILABLE');
  t.match(r.stderr, `copy them into ${join(dataDir, 'demo-images')}/`);
  t.match(r.stderr, 'https://raw.githubusercontent.com/scikit-image/scikit-image/v0.25.2/skimage/data/astronaut.png');
});

t.test('a 127.0.0.1 image server: fetched, played once, published; the second run uses the cache', async (t) => {
  const server = await startFileServer(sharedImages);
  t.teardown(server.close);
  const dataDir = t.testdir();
  const args = ['run', '--data-dir', dataDir, '--from', sharedModels, '--demo-images', server.baseUrl, '--exit-when-done', '--health-port', '0'];
  const first = await runCli(args, { EDGE_AGENT_LOG_LEVEL: 'info' }, 300_000);
  t.equal(first.code, 0, first.stderr);
  // A loaded machine may drop a frame (the loop keeps the latest), so every result, not every image.
  const results = Number(/results (\d+)/.exec(first.stderr)?.[1] ?? 0);
  const published = Number(/published (\d+)/.exec(first.stderr)?.[1] ?? -1);
  t.ok(results >= 1, `results were made (${results})`);
  // The status line prints before the last drain, so the count need not equal the results.
  t.ok(published >= 1, `results reached the demo's broker (${published}; ${results} results)`);
  t.same(readdirSync(join(dataDir, 'demo-images')).sort(), ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg']);
  const requests = server.requests().length;
  t.equal(requests, 4, 'one request per image');
  const second = await runCli(args, { EDGE_AGENT_LOG_LEVEL: 'info' }, 300_000);
  t.equal(second.code, 0, second.stderr);
  t.notMatch(second.stderr, 'demo sample image fetched', 'nothing fetched again');
  t.equal(server.requests().length, requests, 'no request to the server');
});

import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { sharedImage, sharedModels } from '../helpers/shared.js';
import { validateResultRecord } from '../helpers/result-schema.js';

t.test('infer prints one valid NDJSON record per good image and one stderr line per bad one', async (t) => {
  const dir = t.testdir();
  const empty = join(dir, 'empty.jpg');
  writeFileSync(empty, '');
  const notImage = join(dir, 'notes.png');
  writeFileSync(notImage, 'these are notes, not pixels');
  const r = await runCli(['infer', '--model', 'person-yolox-192', '--threshold', '0.5', '--data-dir', dir, '--from', sharedModels, '--device-id', 'kiosk-7',
    sharedImage('hopper.jpg'), sharedImage('truncated.jpg'), empty, notImage, join(dir, 'missing.jpg'), sharedImage('coffee.png')]);
  t.equal(r.code, 4, 'input-error exit status');
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 2, 'two good images, two records');
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const rec of records) t.ok(validateResultRecord(rec), `valid record ${JSON.stringify(validateResultRecord.errors)}`);
  t.equal((records[0]?.['frame'] as { source: string }).source, sharedImage('hopper.jpg'));
  t.equal((records[0]?.['detections'] as unknown[]).length, 1);
  t.equal((records[1]?.['detections'] as unknown[]).length, 0);
  t.equal(records[0]?.['deviceId'], 'kiosk-7');
  t.notMatch(r.stdout, /base64|data:image/, 'no image bytes in output');
  const errs = r.stderr.trim().split('\n').filter((l) => l.startsWith('edge-agent: '));
  t.equal(errs.length, 4, `one line per bad file:\n${r.stderr}`);
  t.match(errs[0], /truncated\.jpg.*EDGE_INPUT_UNDECODABLE/);
  t.match(errs[1], /empty\.jpg.*EDGE_INPUT_EMPTY/);
  t.match(errs[2], /notes\.png.*EDGE_INPUT_UNSUPPORTED_FORMAT/);
  t.match(errs[3], /missing\.jpg.*ENOENT.*EDGE_INPUT_UNREADABLE/);
});

t.test('--pretty prints a table', async (t) => {
  const r = await runCli(['infer', '-m', 'face-yunet-2023mar', '--pretty', '--data-dir', t.testdir(), '--from', sharedModels, sharedImage('astronaut.png')]);
  t.equal(r.code, 0);
  t.match(r.stdout, /astronaut\.png\s+512x512\s+model face-yunet-2023mar@2023mar on cpu/);
  t.match(r.stdout, /face\s+0\.9\d\d/);
});

t.test('distinct exit statuses for usage and model errors; --help exits 0', async (t) => {
  const dir = t.testdir();
  const usage = await runCli(['infer', '-m', 'person-yolox-192', '--threshold', 'high', sharedImage('hopper.jpg'), '--data-dir', dir]);
  t.equal(usage.code, 2);
  t.match(usage.stderr, /Expected a number between 0 and 1 for --threshold but received "high"/);
  const missingFlag = await runCli(['infer', sharedImage('hopper.jpg')]);
  t.equal(missingFlag.code, 2);
  const unknownModel = await runCli(['infer', '-m', 'person', sharedImage('hopper.jpg'), '--data-dir', dir]);
  t.equal(unknownModel.code, 3);
  t.match(unknownModel.stderr, /Unknown model "person"; did you mean "person-yolox-192"\?/);
  const notPulled = await runCli(['infer', '-m', 'person-yolox-192', sharedImage('hopper.jpg'), '--data-dir', dir], { EDGE_AGENT_MODEL_MIRROR: '' });
  t.equal(notPulled.code, 3);
  t.match(notPulled.stderr, /edge-agent models pull person-yolox-192/);
  for (const args of [['--help'], ['infer', '--help'], ['models', 'pull', '--help']]) {
    const h = await runCli(args);
    t.equal(h.code, 0, `${args.join(' ')} exits 0`);
    t.match(h.stdout, /Usage: edge-agent/);
  }
});

t.test('models pull, list, verify and info', async (t) => {
  const dir = t.testdir();
  const pull = await runCli(['models', 'pull', 'face-yunet-2023mar', '--data-dir', dir, '--from', sharedModels]);
  t.equal(pull.code, 0, pull.stderr);
  t.match(pull.stdout, /pulled from .*face-yunet-2023mar\/model\.onnx \(232589 bytes/);
  const list = await runCli(['models', 'list', '--json', '--data-dir', dir]);
  const rows = JSON.parse(list.stdout) as { id: string; state: string }[];
  t.same(rows.map((r) => [r.id, r.state]), [['face-yunet-2023mar', 'ok'], ['person-yolox-192', 'missing']]);
  const info = await runCli(['models', 'info', 'face-yunet-2023mar', '--json', '--data-dir', dir]);
  t.equal(info.code, 0, info.stderr);
  const i = JSON.parse(info.stdout) as { matchesManifest: boolean; inputs: { name: string; shape: number[] }[]; outputs: unknown[] };
  t.equal(i.matchesManifest, true);
  t.same(i.inputs[0], { name: 'input', type: 'float32', shape: [1, 3, 640, 640] });
  t.equal(i.outputs.length, 12);
  const verify = await runCli(['models', 'verify', '--data-dir', dir]);
  t.equal(verify.code, 0);
  t.match(verify.stdout, /face-yunet-2023mar: ok/);
  const verifyNamed = await runCli(['models', 'verify', 'person-yolox-192', '--data-dir', dir]);
  t.equal(verifyNamed.code, 3, 'a named model that is missing fails verify');
});

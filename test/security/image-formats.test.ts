/**
 * Only JPEG, PNG and WebP reach a decoder: every other format sharp could open is refused by its
 * first bytes, through the preprocessor (camera frames) and the real `infer` command; `--help`
 * names the formats.
 */
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { bundledManifestDir } from '../../agent/models/manifest-loader.js';
import type { InputSpec } from '../../agent/models/manifest.js';
import { Preprocessor } from '../../agent/preprocess/preprocessor.js';
import { describeImageBytes, supportedImageFormat } from '../../agent/support/image-format.js';
import { runCli } from '../helpers/run-cli.js';
import { sharedModels } from '../helpers/shared.js';

const base = () => sharp({ create: { width: 32, height: 24, channels: 3, background: 'blue' } });

async function samples(): Promise<Record<string, Buffer>> {
  return {
    jpeg: await base().jpeg().toBuffer(),
    png: await base().png().toBuffer(),
    webp: await base().webp().toBuffer(),
    gif: await base().gif().toBuffer(),
    tiff: await base().tiff().toBuffer(),
    avif: await base().avif().toBuffer(),
    svg: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="24"><rect width="32" height="24" fill="blue"/></svg>'),
  };
}

t.test('magic bytes: JPEG, PNG and WebP are supported, the rest named', async (t) => {
  const s = await samples();
  t.same([s['jpeg'], s['png'], s['webp']].map((d) => supportedImageFormat(d as Buffer)), ['jpeg', 'png', 'webp']);
  t.same(['gif', 'tiff', 'avif', 'svg'].map((k) => supportedImageFormat(s[k] as Buffer)), [undefined, undefined, undefined, undefined]);
  t.same(['gif', 'tiff', 'avif', 'svg'].map((k) => describeImageBytes(s[k] as Buffer)), ['a GIF', 'a TIFF', 'an AVIF/HEIF (ISO media) file', 'an SVG/XML document']);
});

t.test('the preprocessor (every camera frame) decodes the three and refuses the others before decoding', async (t) => {
  const s = await samples();
  const input = (JSON.parse(readFileSync(join(bundledManifestDir, 'person-yolox-192', 'manifest.json'), 'utf8')) as { input: InputSpec }).input;
  const p = new Preprocessor(input);
  for (const ok of ['jpeg', 'png', 'webp']) t.ok((await p.prepare({ kind: 'encoded', data: s[ok] as Buffer }, ok)).geometry, ok);
  for (const bad of ['gif', 'tiff', 'avif', 'svg']) {
    await t.rejects(p.prepare({ kind: 'encoded', data: s[bad] as Buffer }, `frame.${bad}`), { code: 'EDGE_INPUT_UNSUPPORTED_FORMAT', message: new RegExp(`Expected a JPEG, PNG or WebP image in frame\\.${bad} but received .*; refused before decoding`) }, bad);
  }
});

t.test('infer refuses GIF, TIFF, AVIF and SVG by their bytes and says which formats it takes in --help', async (t) => {
  const dir = t.testdir();
  const s = await samples();
  // Named .jpg: the bytes decide, not the file name.
  const files = ['gif', 'tiff', 'avif', 'svg', 'webp'].map((k) => {
    const file = join(dir, `${k}.jpg`);
    writeFileSync(file, s[k] as Buffer);
    return file;
  });
  const r = await runCli(['infer', '--model', 'person-yolox-192', '--data-dir', dir, '--from', sharedModels, ...files]);
  t.equal(r.code, 4);
  const errs = r.stderr.split('\n').filter((l) => l.startsWith('edge-agent: '));
  t.equal(errs.length, 4, r.stderr);
  for (const line of errs) t.match(line, /EDGE_INPUT_UNSUPPORTED_FORMAT/);
  t.equal(r.stdout.trim().split('\n').length, 1, 'the WebP ran');
  const help = await runCli(['infer', '--help']);
  t.match(help.stdout, 'JPEG, PNG or WebP files');
});

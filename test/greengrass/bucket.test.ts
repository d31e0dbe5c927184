/**
 * The artifact bucket (issue 16 item 6): from --bucket or gdk-config.json, and a placeholder is
 * refused with the fix before anything is built, never written into a recipe.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBucket, greengrassDir, optionsFromArgs } from '../../greengrass/build/build.js';

const gdk = JSON.parse(readFileSync(join(greengrassDir, 'gdk-config.json'), 'utf8')) as { component: Record<string, { publish: { bucket: string } }> };
const configured = Object.values(gdk.component)[0]?.publish.bucket ?? '';

t.test('the checked-in gdk-config.json holds a placeholder, and the build refuses it with the fix', async (t) => {
  t.match(configured, /REPLACE|YOUR/, 'a visible placeholder, not somebody\'s real bucket');
  t.throws(() => optionsFromArgs(['--arch', 'x64']), /gdk-config\.json \(component\.com\.example\.EdgeAgent\.publish\.bucket\) but received "REPLACE-WITH-YOUR-ARTIFACT-BUCKET", a placeholder; nothing was written\. Pass the full bucket name: `npm run greengrass:build -- --bucket NAME`.*`gdk component publish --bucket NAME`/);
});

t.test('--bucket wins over gdk-config.json', async (t) => {
  t.equal(optionsFromArgs(['--arch', 'x64', '--bucket', 'my-artifacts-eu']).bucket, 'my-artifacts-eu');
});

t.test('placeholders and names S3 refuses are refused; a real name passes', async (t) => {
  for (const bad of ['', '  ', 'REPLACE-ME', 'your-bucket', '<bucket>', 'PLACEHOLDER']) t.throws(() => checkBucket(bad, 'test'), /a placeholder; nothing was written/, JSON.stringify(bad));
  for (const bad of ['My_Bucket', 'ab', '-leading']) t.throws(() => checkBucket(bad, 'test'), /Expected an S3 bucket name/, bad);
  t.equal(checkBucket('edge-agent-artifacts.example', 'test'), 'edge-agent-artifacts.example');
});

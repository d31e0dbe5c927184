import t from 'tap';
import { join } from 'node:path';
import { loadConfig } from '../../agent/config/load-config.js';
import { configSchema, type AgentConfig, type CameraConfig } from '../../agent/config/schema.js';
import { schemaKeys } from '../../agent/config/schema-walk.js';

// Compile-time checks: the derived type follows the schema. `npx tsc` fails if any line is wrong.
const port: number = null as unknown as AgentConfig['health']['port'];
const policy: 'every' | 'on-change' | 'events' | 'counts' = null as unknown as CameraConfig['models'][number]['report']['policy'];
const maxAge: number | null = null;
// @ts-expect-error: deviceId has a runtime default, so it is never undefined.
const noDevice: undefined = null as unknown as AgentConfig['deviceId'];
// @ts-expect-error: url has no default, so it may be undefined.
const url: string = null as unknown as CameraConfig['source']['url'];
// @ts-expect-error: not a transport the schema allows.
const transport: AgentConfig['publish']['transport'] = 'kafka';
void [port, policy, maxAge, noDevice, url, transport];

t.test('every key with a default or runtime default is present after loading', async (t) => {
  const dir = t.testdir();
  const { config } = loadConfig({ env: {}, boardPaths: { deviceTreeModel: join(dir, 'x'), tegraRelease: join(dir, 'y') }, arch: 'x64', hostname: 'h' });
  let checked = 0;
  for (const key of schemaKeys(configSchema)) {
    if (key.path.includes('[]')) continue;
    if (key.node.default === undefined && key.node.runtimeDefault === undefined) continue;
    let cur: unknown = config;
    for (const seg of key.path) cur = (cur as Record<string, unknown>)[seg];
    t.not(cur, undefined, key.path.join('.'));
    checked++;
  }
  t.ok(checked > 40, `checked ${checked} keys`);
});

/**
 * `npm run test:arm64`: the arm64 artifact, for real, on this x86_64 machine.
 *
 * Builds (or reuses) the arm64 Greengrass components, unpacks the runtime (Node.js 26 for arm64
 * and the native modules) and the agent bundle, and runs the runtime's own node under
 * qemu-aarch64 user emulation, as
 * /work/shared/notes/arm64-emulation.md describes, including its trap: ONNX Runtime crashes on
 * the x86 /proc/cpuinfo, so the process sees an arm64 one bind-mounted in a private mount
 * namespace. The smoke path:
 *   1. `edge-agent infer` with the person model on the sample images; the detections must match
 *      the x64 run of the same images (one person in hopper.jpg);
 *   2. `edge-agent run` on the same images (a files camera): results go through its SQLite outbox
 *      (better-sqlite3 compiled for arm64) and are published to a Mosquitto broker on
 *      127.0.0.1; a subscriber on this side must receive them.
 * Prints how long each step took. Exit status 0 when everything matched.
 *
 * Flags: --reuse (test the arm64 artifact the last run built instead of building it from the
 * current source; the production node_modules are cached either way).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { buildGreengrass, greengrassDir, optionsFromArgs, repoRoot } from '../../greengrass/build/build.js';
import { elfArch } from '../../greengrass/build/native-modules.js';
import { createBroker } from '../publish/helpers/mosquitto.js';
import { sharedImage, sharedModels } from '../helpers/shared.js';

const IMAGES = ['hopper.jpg', 'astronaut.png', 'coffee.png', 'chelsea.png', 'rocket.jpg'];
const MODEL = 'person-yolox-192';

interface Detection {
  label: string;
  score: number;
  box: { x: number; y: number; width: number; height: number };
}
interface Result {
  resultId: string;
  frame: { source: string };
  detections: Detection[];
}

const log = (line: string): void => {
  process.stderr.write(`[test:arm64] ${line}\n`);
};

function need(condition: boolean, message: string): void {
  if (!condition) {
    log(`cannot run: ${message}`);
    process.exit(1);
  }
}

async function timed<T>(label: string, timings: Record<string, number>, fn: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    timings[label] = (Date.now() - started) / 1000;
    log(`${label}: ${timings[label].toFixed(1)} s`);
  }
}

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status };
}

/** An arm64 /proc/cpuinfo: four Cortex-A72 cores, as a Raspberry Pi 4 reports them. */
function arm64Cpuinfo(): string {
  const core = (n: number): string =>
    [
      `processor\t: ${n}`,
      'BogoMIPS\t: 108.00',
      'Features\t: fp asimd evtstrm crc32 cpuid',
      'CPU implementer\t: 0x41',
      'CPU architecture: 8',
      'CPU variant\t: 0x0',
      'CPU part\t: 0xd08',
      'CPU revision\t: 3',
      '',
    ].join('\n');
  return `${[0, 1, 2, 3].map(core).join('\n')}\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4 (emulated)\n`;
}

/** Starts the arm64 node under qemu with the arm64 /proc/cpuinfo; the caller stops it. */
function emulateChild(work: string, node: string, args: string[], cwd: string): ChildProcess {
  const cpuinfo = join(work, 'arm64-cpuinfo');
  const script = 'mount --bind "$1" /proc/cpuinfo && shift && exec qemu-aarch64-static -cpu cortex-a72 -L /usr/aarch64-linux-gnu "$@"';
  return spawn('unshare', ['-m', 'sh', '-c', script, 'sh', cpuinfo, node, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs the arm64 node under qemu with the arm64 /proc/cpuinfo; resolves with its output. */
function emulate(work: string, node: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string; status: number | null }> {
  const cpuinfo = join(work, 'arm64-cpuinfo');
  const script = 'mount --bind "$1" /proc/cpuinfo && shift && exec qemu-aarch64-static -cpu cortex-a72 -L /usr/aarch64-linux-gnu "$@"';
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-m', 'sh', '-c', script, 'sh', cpuinfo, node, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

function parseResults(text: string): Result[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Result);
}

/** Compares detections per image: same labels and count, scores within 0.02, boxes within 2 px. */
function compare(expected: Result[], actual: Result[]): string[] {
  const problems: string[] = [];
  const byImage = new Map(actual.map((r) => [r.frame.source.split('/').pop(), r]));
  for (const e of expected) {
    const name = e.frame.source.split('/').pop() ?? '';
    const a = byImage.get(name);
    if (a === undefined) {
      problems.push(`${name}: no arm64 result`);
      continue;
    }
    if (a.detections.length !== e.detections.length) {
      problems.push(`${name}: expected ${e.detections.length} detections (x64) but arm64 found ${a.detections.length}`);
      continue;
    }
    e.detections.forEach((d, i) => {
      const o = a.detections[i] as Detection;
      const boxOff = Math.max(Math.abs(o.box.x - d.box.x), Math.abs(o.box.y - d.box.y), Math.abs(o.box.width - d.box.width), Math.abs(o.box.height - d.box.height));
      if (o.label !== d.label || Math.abs(o.score - d.score) > 0.02 || boxOff > 2) {
        problems.push(`${name} #${i}: expected ${d.label} ${d.score} ${JSON.stringify(d.box)} but arm64 gave ${o.label} ${o.score} ${JSON.stringify(o.box)}`);
      }
    });
  }
  return problems;
}

async function main(): Promise<void> {
  const timings: Record<string, number> = {};
  const reuse = process.argv.includes('--reuse');
  need(process.getuid?.() === 0, 'the /proc/cpuinfo bind mount needs root (unshare -m)');
  need(run('sh', ['-c', 'command -v qemu-aarch64-static']).status === 0, 'qemu-aarch64-static not found; install it with `apt-get install qemu-user-static`');
  need(existsSync('/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1'), 'the arm64 C runtime is missing; install it with `apt-get install libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross`');

  const cacheDir = join(greengrassDir, '.cache');
  const outDir = join(cacheDir, 'test-arm64-build');
  const findZip = (component: string, name: string): string | undefined => {
    const dir = join(outDir, 'artifacts', component);
    if (!existsSync(dir)) return undefined;
    for (const v of readdirSync(dir)) if (existsSync(join(dir, v, name))) return join(dir, v, name);
    return undefined;
  };
  const zips = (): { runtime: string | undefined; agent: string | undefined } => ({ runtime: findZip('com.example.EdgeAgent.Runtime', 'edge-agent-runtime-linux-arm64.zip'), agent: findZip('com.example.EdgeAgent', 'edge-agent.zip') });
  let found = reuse ? zips() : { runtime: undefined, agent: undefined };
  if (found.runtime === undefined || found.agent === undefined) {
    await timed('build arm64 components', timings, () => buildGreengrass({ ...optionsFromArgs(['--arch', 'arm64', '--models', '', '--bucket', 'arm64-smoke-test']), outDir, log }));
    found = zips();
  } else {
    log(`reusing ${found.runtime} and ${found.agent} (without --reuse they are built from the current source)`);
  }
  need(found.runtime !== undefined && found.agent !== undefined, `the build wrote no runtime and agent zips under ${outDir}`);

  const work = mkdtempSync(join(tmpdir(), 'edge-agent-arm64-'));
  try {
    writeFileSync(join(work, 'arm64-cpuinfo'), arm64Cpuinfo());
    const artifact = join(work, 'edge-agent');
    const runtime = join(work, 'edge-agent-runtime-linux-arm64');
    await timed('unzip components', timings, () => {
      for (const [zip, dir] of [[found.agent, artifact], [found.runtime, runtime]] as const) {
        const r = run('unzip', ['-q', zip as string, '-d', dir]);
        need(r.status === 0, `unzip failed: ${r.stderr}`);
      }
    });
    const betterSqlite = join(runtime, 'lib', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    need(elfArch(betterSqlite) === 'arm64', `${betterSqlite} is not an arm64 binary`);
    // The runtime's own node: the one better-sqlite3 was compiled for.
    const node = join(runtime, 'bin', 'node');
    need(elfArch(node) === 'arm64', `${node} is not an arm64 binary`);

    const images = IMAGES.map(sharedImage);
    const inferArgs = ['infer', '--model', MODEL, '--from', sharedModels, '--model-dir', join(work, 'models'), '--device-id', 'arm64-smoke', ...images];
    const host = await timed('infer on x64 (reference)', timings, () => run(process.execPath, [join(repoRoot, 'bin', 'edge-agent.js'), ...inferArgs, '--data-dir', join(work, 'x64-data')]));
    need(host.status === 0, `x64 reference run failed:\n${host.stderr}`);
    const expected = parseResults(host.stdout);

    const arm = await timed('infer on arm64 under qemu', timings, () => emulate(work, node, [join(artifact, 'bin', 'edge-agent.js'), ...inferArgs, '--data-dir', join(work, 'arm64-data')], artifact));
    if (arm.status !== 0) {
      log(`arm64 infer exited with ${arm.status}:\n${arm.stderr.slice(-3000)}`);
      process.exitCode = 1;
      return;
    }
    const actual = parseResults(arm.stdout);
    const problems = compare(expected, actual);
    const hopper = actual.find((r) => r.frame.source.endsWith('hopper.jpg'));
    const people = hopper?.detections.filter((d) => d.label === 'person').length ?? 0;
    if (people !== 1) problems.push(`hopper.jpg: expected exactly one person but arm64 found ${people}`);
    for (const r of actual) log(`arm64 ${r.frame.source.split('/').pop()}: ${r.detections.map((d) => `${d.label} ${d.score.toFixed(3)}`).join(', ') || '(none)'}`);

    // Outbox and publish: a real broker on loopback, a subscriber on this side.
    const broker = await createBroker({ dir: work });
    await broker.start();
    const received = new Set<string>();
    const sub = await mqtt.connectAsync(broker.url, { clientId: `arm64-smoke-sub-${process.pid}` });
    try {
      await sub.subscribeAsync('edge-agent/+/results/#', { qos: 1 });
      sub.on('message', (_topic, payload) => {
        const m = JSON.parse(payload.toString()) as { resultId?: string };
        if (m.resultId !== undefined) received.add(m.resultId);
      });
      // The real agent: a files camera on the same images, its outbox, MQTT to the broker.
      const config = join(work, 'agent.yaml');
      writeFileSync(config, `deviceId: arm64-smoke\ndataDir: ${join(work, 'run-data')}\nlogLevel: warn\nmodels:\n  mirror: ${sharedModels}\nhealth:\n  port: 0\npublish:\n  transport: mqtt\n  brokerUrl: ${broker.url}\ncameras:\n  - name: smoke\n    source: { type: files, path: ${images[0]}, fps: 1, loop: true }\n    models:\n      - id: ${MODEL}\n`);
      const agent = emulateChild(work, node, [join(artifact, 'bin', 'edge-agent.js'), 'run', '--config', config, '--no-status'], artifact);
      let agentErr = '';
      agent.stderr?.on('data', (d: Buffer) => (agentErr += d.toString()));
      await timed('edge-agent run on arm64 until a result arrives', timings, async () => {
        const until = Date.now() + 10 * 60_000;
        while (received.size === 0 && agent.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      });
      agent.kill('SIGTERM');
      if (received.size === 0) problems.push(`no result from edge-agent run on arm64 reached the broker; its stderr:\n${agentErr.slice(-3000)}`);
      else log(`arm64 run: ${received.size} result(s) published through its outbox`);
    } finally {
      await sub.endAsync();
      await broker.kill();
    }

    log(`timings (s): ${JSON.stringify(timings)}`);
    if (problems.length > 0) {
      log(`FAILED:\n  - ${problems.join('\n  - ')}`);
      process.exitCode = 1;
    } else {
      log(`ok: ${actual.length} images on arm64 match x64, ${received.size} results published through the arm64 agent's outbox`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

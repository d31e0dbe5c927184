/**
 * The system programs the tests drive for real, checked before `npm test` type-checks anything,
 * so a fresh machine either gets them installed (as root, through apt-get) or stops at once with
 * one line naming the packages and the command, instead of 30 tests failing one by one later.
 *
 * Run as `node --import tsx test/prerequisites.ts` (npm's `pretest`). PATH and `id -u` are read
 * from the environment, so test/prerequisites.test.ts can run it without a program or as non-root.
 *
 * It also checks the Node.js running the tests against the one the runtime component ships
 * (greengrass/build/node-runtime.ts): CI (EDGE_CI, set by .ci/run, or CI, set by hosted
 * CI services) refuses another major; a developer's run warns with how to get it and goes on,
 * so a machine still on the system's Node 20 can run the tests it can.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { findExecutable } from '../agent/support/executables.js';
import { RUNTIME_NODE_VERSION } from '../greengrass/build/node-runtime.js';

/** One thing a test needs, and the Debian package that brings it. */
export interface Prerequisite {
  /** What is looked for: a program on PATH, or a GStreamer element. */
  program: string;
  /** Set for GStreamer elements, which `gst-inspect-1.0 --exists` finds (not PATH). */
  gstElement?: boolean;
  debianPackage: string;
  /** Which tests need it, for the message. */
  neededBy: string;
}

/** Everything `npm test` and `npm run test:faults` need beyond Node and the npm packages. */
export const prerequisites: readonly Prerequisite[] = [
  { program: 'mosquitto', debianPackage: 'mosquitto', neededBy: 'publish tests and the fault suite (a real broker)' },
  { program: 'ffmpeg', debianPackage: 'ffmpeg', neededBy: 'camera stream tests' },
  { program: 'openssl', debianPackage: 'openssl', neededBy: 'TLS tests (test certificates)' },
  { program: 'gst-launch-1.0', debianPackage: 'gstreamer1.0-tools', neededBy: 'GStreamer camera tests' },
  { program: 'gst-inspect-1.0', debianPackage: 'gstreamer1.0-tools', neededBy: 'this check of GStreamer elements' },
  { program: 'videotestsrc', gstElement: true, debianPackage: 'gstreamer1.0-plugins-base', neededBy: 'GStreamer camera tests' },
  { program: 'jpegenc', gstElement: true, debianPackage: 'gstreamer1.0-plugins-good', neededBy: 'GStreamer camera tests' },
  { program: 'zip', debianPackage: 'zip', neededBy: 'deploy and Greengrass artifact tests' },
  { program: 'unzip', debianPackage: 'unzip', neededBy: 'Greengrass artifact tests' },
  { program: 'python3', debianPackage: 'python3', neededBy: 'the sd_notify test (its receiving socket)' },
  { program: 'systemd-analyze', debianPackage: 'systemd', neededBy: 'the systemd unit test' },
  { program: 'ip', debianPackage: 'iproute2', neededBy: 'the fault suite (network namespaces)' },
  { program: 'tc', debianPackage: 'iproute2', neededBy: 'the fault suite (netem packet loss)' },
  { program: 'unshare', debianPackage: 'util-linux', neededBy: 'the fault suite (shared hostname)' },
  { program: 'mount', debianPackage: 'mount', neededBy: 'full-disk tests (tmpfs)' },
  { program: 'chromium', debianPackage: 'chromium', neededBy: 'the console tests (a real browser, driven headless by playwright-core)' },
];

/** Debian puts daemons such as mosquitto in the sbin folders, which a non-login PATH may lack. */
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The search path: PATH, then the sbin folders (test/publish/helpers/mosquitto.ts looks there too). */
function searchPath(env: NodeJS.ProcessEnv): string[] {
  const dirs = (env['PATH'] ?? '').split(':').filter((d) => d !== '');
  return [...dirs, ...SBIN_DIRS];
}

/** True when `p` is there: a program on the path, or an element gst-inspect-1.0 knows. */
function present(p: Prerequisite, dirs: readonly string[]): boolean {
  if (p.gstElement !== true) return findExecutable(p.program, dirs) !== undefined;
  const inspect = findExecutable('gst-inspect-1.0', dirs);
  if (inspect === undefined) return false;
  return spawnSync(inspect, ['--exists', p.program], { stdio: 'ignore' }).status === 0;
}

/** The Debian packages of everything missing, each once, in the list's order. */
export function missingPackages(dirs: readonly string[]): string[] {
  const packages = prerequisites.filter((p) => !present(p, dirs)).map((p) => p.debianPackage);
  return [...new Set(packages)];
}

/** The user id as `id -u` on the path says (an injected `id` in tests), else the process's own. */
function userId(dirs: readonly string[]): number {
  const id = findExecutable('id', dirs);
  if (id === undefined) return process.getuid?.() ?? -1;
  const r = spawnSync(id, ['-u'], { encoding: 'utf8' });
  const uid = Number(r.stdout.trim());
  return r.status === 0 && Number.isInteger(uid) ? uid : -1;
}

/** Runs apt-get with the given arguments, its output on our stderr; true when it exited 0. */
function aptGet(aptPath: string, args: readonly string[]): boolean {
  const r = spawnSync(aptPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

function installCommand(packages: readonly string[]): string {
  return `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/** Checks, installs what it can, and returns the exit status (0: everything is there). */
export function ensurePrerequisites(env: NodeJS.ProcessEnv = process.env): number {
  const dirs = searchPath(env);
  const missing = missingPackages(dirs);
  if (missing.length === 0) return 0;
  const apt = findExecutable('apt-get', dirs);
  const root = userId(dirs) === 0;
  if (root && apt !== undefined) {
    console.error(`[prerequisites] installing the test prerequisites: ${missing.join(' ')}`);
    const ok = aptGet(apt, ['update', '-qq']) && aptGet(apt, ['install', '-y', '-qq', '--no-install-recommends', ...missing]);
    const still = missingPackages(dirs);
    if (ok && still.length === 0) {
      console.error(`[prerequisites] installed ${missing.join(' ')}`);
      return 0;
    }
    console.error(`[prerequisites] test prerequisites still missing after apt-get: ${still.join(' ')}; install them with \`${installCommand(still)}\` and run npm test again`);
    return 1;
  }
  const why = root ? 'apt-get is not on PATH' : 'not root, so they cannot be installed here';
  console.error(`[prerequisites] test prerequisites missing (${why}): ${missing.join(' ')}; install them with \`sudo ${installCommand(missing).replace('&& apt-get', '&& sudo apt-get')}\` and run npm test again`);
  return 1;
}

/** The Node.js major the tests must run on: the runtime component's. */
export const REQUIRED_NODE_MAJOR = Number(RUNTIME_NODE_VERSION.split('.')[0]);

/** True when the environment says this is a CI run (where the wrong Node.js is refused). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const set = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
  return set(env['EDGE_CI']) || set(env['CI']);
}

/**
 * Checks `version` (process.version's form, `v20.20.2`) against the runtime's major: undefined
 * when it matches, else the line to print and whether it stops the run.
 */
export function nodeVersionProblem(version: string, env: NodeJS.ProcessEnv): { message: string; fatal: boolean } | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major === REQUIRED_NODE_MAJOR) return undefined;
  const fatal = isCi(env);
  const how = `get it with \`. .ci/use-node\` (installs node-linux-<arch>@${RUNTIME_NODE_VERSION} from the npm registry once and puts it first on PATH), then \`npm ci\` so better-sqlite3 is compiled for it`;
  const what = `expected Node.js ${REQUIRED_NODE_MAJOR} (the runtime component ships ${RUNTIME_NODE_VERSION}; engines in package.json) but the tests run on Node.js ${version}`;
  return fatal
    ? { fatal, message: `[prerequisites] ${what}; CI refuses it: ${how}` }
    : { fatal, message: `[prerequisites] warning: ${what}; results may differ from CI's: ${how}` };
}

/** Prints the Node.js problem, if any; 1 when it stops the run. */
export function checkNode(version: string, env: NodeJS.ProcessEnv): number {
  const problem = nodeVersionProblem(version, env);
  if (problem === undefined) return 0;
  console.error(problem.message);
  return problem.fatal ? 1 : 0;
}

// Run as a script (npm's pretest); imported by its test for the functions alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const nodeStatus = checkNode(process.version, process.env);
  const packagesStatus = ensurePrerequisites();
  process.exitCode = Math.max(nodeStatus, packagesStatus);
}

/**
 * A network namespace the scenario creates for itself: a veth pair with 10.200.X.1/30 on the root
 * side and 10.200.X.2/30 inside, X random so two runs on one machine do not collide. Only these
 * two addresses ever carry traffic. Removed (with its veth) at clean-up.
 */
import { execFileSync } from 'node:child_process';
import type { Scenario } from './scenario.js';

/** The namespace and its addresses. */
export interface TestNamespace {
  name: string;
  rootAddress: string;
  nsAddress: string;
  /** Root-side veth device. */
  rootDevice: string;
  /** The veth device inside the namespace. */
  nsDevice: string;
  /** Prefix for commands run inside: `ip netns exec NAME`. */
  exec: string[];
}

/** Runs `ip ...` (or another program) and returns its stdout; throws with stderr on failure. */
export function sh(command: string, args: readonly string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Creates the namespace and the veth pair, both up. */
export function createNamespace(s: Scenario, tag: string): TestNamespace {
  const x = 1 + Math.floor(Math.random() * 250);
  const name = `edgef-${tag}-${process.pid}`;
  const rootDevice = `ef${process.pid % 100000}r`;
  const nsDevice = `ef${process.pid % 100000}n`;
  sh('ip', ['netns', 'add', name]);
  s.cleanup(() => {
    sh('ip', ['netns', 'del', name]);
  });
  sh('ip', ['link', 'add', rootDevice, 'type', 'veth', 'peer', 'name', nsDevice]);
  s.cleanup(() => {
    try {
      sh('ip', ['link', 'del', rootDevice]);
    } catch {
      // Gone with the namespace already.
    }
  });
  sh('ip', ['link', 'set', nsDevice, 'netns', name]);
  const rootAddress = `10.200.${x}.1`;
  const nsAddress = `10.200.${x}.2`;
  sh('ip', ['addr', 'add', `${rootAddress}/30`, 'dev', rootDevice]);
  sh('ip', ['link', 'set', rootDevice, 'up']);
  const exec = ['ip', 'netns', 'exec', name];
  sh('ip', ['netns', 'exec', name, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsDevice]);
  sh('ip', ['netns', 'exec', name, 'ip', 'link', 'set', nsDevice, 'up']);
  sh('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  return { name, rootAddress, nsAddress, rootDevice, nsDevice, exec };
}

/** How `setLoss` cuts: netem where the kernel has it, else blackhole routes (sandboxed kernels lack sch_netem). */
export type CutMethod = 'netem' | 'blackhole';

/**
 * Drops every packet between the two ends (a silent cut: links stay up, nothing is refused), or
 * lets them through again. netem loss 100% on both veth ends where the kernel has netem; else a
 * /32 blackhole route to the other end on each side, which silently drops the same packets.
 */
export function setLoss(ns: TestNamespace, cut: boolean, method: CutMethod): void {
  const inNs = ns.exec.slice(1);
  if (method === 'netem') {
    const verb = cut ? ['replace'] : ['del'];
    const netem = cut ? ['netem', 'loss', '100%'] : [];
    sh('tc', ['qdisc', ...verb, 'dev', ns.rootDevice, 'root', ...netem]);
    sh('ip', [...inNs, 'tc', 'qdisc', ...verb, 'dev', ns.nsDevice, 'root', ...netem]);
    return;
  }
  const verb = cut ? 'add' : 'del';
  sh('ip', ['route', verb, 'blackhole', `${ns.nsAddress}/32`]);
  sh('ip', [...inNs, 'ip', 'route', verb, 'blackhole', `${ns.rootAddress}/32`]);
}

/** netem when this kernel has it (tried on the veth and removed again), else blackhole. */
export function cutMethod(ns: TestNamespace): CutMethod {
  try {
    sh('tc', ['qdisc', 'replace', 'dev', ns.rootDevice, 'root', 'netem', 'loss', '0%']);
    sh('tc', ['qdisc', 'del', 'dev', ns.rootDevice, 'root']);
    return 'netem';
  } catch {
    return 'blackhole';
  }
}

/** Takes the root side of the veth down (the namespace sees its carrier go), or up again. */
export function setLink(ns: TestNamespace, up: boolean): void {
  sh('ip', ['link', 'set', ns.rootDevice, up ? 'up' : 'down']);
}

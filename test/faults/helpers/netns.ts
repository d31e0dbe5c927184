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

/** Drops every packet on both ends of the veth (a silent cut: links stay up), or lets them through again. */
export function setLoss(ns: TestNamespace, cut: boolean): void {
  const verb = cut ? ['replace'] : ['del'];
  const netem = cut ? ['netem', 'loss', '100%'] : [];
  sh('tc', ['qdisc', ...verb, 'dev', ns.rootDevice, 'root', ...netem]);
  sh('ip', [...ns.exec.slice(1), 'tc', 'qdisc', ...verb, 'dev', ns.nsDevice, 'root', ...netem]);
}

/** Takes the root side of the veth down (the namespace sees its carrier go), or up again. */
export function setLink(ns: TestNamespace, up: boolean): void {
  sh('ip', ['link', 'set', ns.rootDevice, up ? 'up' : 'down']);
}

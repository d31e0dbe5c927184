/**
 * The glibc floor: stated once in greengrass/check-system.sh (GLIBC_FLOOR=, which the runtime
 * component runs before anything starts) and repeated in deploy/install.sh; read here so the
 * build and the tests compare it with what the shipped binaries really need.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** greengrass/check-system.sh. */
export const checkSystemFile = fileURLToPath(new URL('../check-system.sh', import.meta.url));

/** The `GLIBC_FLOOR=x.y` value a shell script states. */
export function statedGlibcFloor(scriptFile: string = checkSystemFile): string {
  const m = /^GLIBC_FLOOR=(\d+\.\d+)$/m.exec(readFileSync(scriptFile, 'utf8'));
  if (!m) throw new Error(`Expected a line GLIBC_FLOOR=<major>.<minor> in ${scriptFile} but found none`);
  return m[1] as string;
}

/** Compares dotted versions numerically (2.9 < 2.34). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Symbol versions an ELF file needs, by library prefix (GLIBC, GLIBCXX, CXXABI), from `readelf -V`. */
export function elfVersionNeeds(file: string): Record<string, string[]> {
  const r = spawnSync('readelf', ['-V', '--wide', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`readelf -V ${file} failed (${r.error?.message ?? r.stderr.trim()}); install binutils with \`apt-get install binutils\``);
  const needs: Record<string, Set<string>> = {};
  // Only the .gnu.version_r section (what the file needs), not version definitions it provides.
  const section = r.stdout.split(/Version needs section/)[1] ?? '';
  for (const m of section.matchAll(/Name: (GLIBC|GLIBCXX|CXXABI)_([0-9.]+)/g)) (needs[m[1] as string] ??= new Set()).add(m[2] as string);
  return Object.fromEntries(Object.entries(needs).map(([k, v]) => [k, [...v].sort(compareVersions)]));
}

/** The newest GLIBC_x.y a file needs, or undefined when it needs none. */
export function newestGlibcNeed(file: string): string | undefined {
  return elfVersionNeeds(file)['GLIBC']?.at(-1);
}

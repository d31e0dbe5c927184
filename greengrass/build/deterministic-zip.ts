/**
 * Zips a staging folder so that the same files give the same bytes: entries in sorted order,
 * every timestamp set to one fixed instant, modes normalised (0755 for what runs, 0644 for the
 * rest), no extra fields (uid/gid, extended timestamps) and no directory entries. Two builds of
 * one commit therefore give byte-identical zips and the same recipe digests.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

/** The fixed time of every entry: 2020-01-01T00:00:00Z (zip stores local time, so TZ is UTC). */
export const ZIP_EPOCH_SECONDS = 1_577_836_800;

/** Every regular file under `dir`, relative and with '/' separators, sorted by code unit. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(dir, path).split(sep).join('/'));
      else throw new Error(`Expected only regular files and folders in ${dir} but ${path} is neither (a symbolic link?); stage a copy that dereferences links`);
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Writes `zipFile` from `folder`; `executable(path)` says which entries get mode 0755. */
export function deterministicZip(folder: string, zipFile: string, executable: (path: string) => boolean): string[] {
  const files = listFiles(folder);
  for (const f of files) {
    const path = join(folder, f);
    chmodSync(path, executable(f) ? 0o755 : 0o644);
    utimesSync(path, ZIP_EPOCH_SECONDS, ZIP_EPOCH_SECONDS);
    if (!lstatSync(path).isFile()) throw new Error(`${path} is not a regular file`);
  }
  rmSync(zipFile, { force: true });
  mkdirSync(resolve(zipFile, '..'), { recursive: true });
  // -X: no uid/gid or extended-timestamp fields; -D: no directory entries; -@: this order.
  const result = spawnSync('zip', ['-q', '-X', '-D', zipFile, '-@'], { cwd: folder, input: `${files.join('\n')}\n`, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, maxBuffer: 64 * 1024 * 1024 });
  if (result.error || result.status !== 0) {
    throw new Error(`zip of ${folder} failed (${result.error?.message ?? result.stderr}); install zip with \`apt-get install zip\``);
  }
  return files;
}

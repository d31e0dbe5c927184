/**
 * What board this is, from the files the kernel and NVIDIA's L4T write: the device tree's model
 * string (every Raspberry Pi and Jetson has one) and /etc/nv_tegra_release (Jetsons only). Paths
 * are injectable so tests describe any board without being on it.
 */
import { readFileSync } from 'node:fs';

/** Where the board facts are read from. */
export interface BoardPaths {
  deviceTreeModel: string;
  tegraRelease: string;
}

/** The files Linux and L4T provide. */
export const defaultBoardPaths: Readonly<BoardPaths> = Object.freeze({
  deviceTreeModel: '/proc/device-tree/model',
  tegraRelease: '/etc/nv_tegra_release',
});

/** What detection found; null where a file is absent or unreadable. */
export interface BoardInfo {
  /** The device tree model, such as "Raspberry Pi 5 Model B Rev 1.0". */
  deviceTreeModel: string | null;
  /** The first line of nv_tegra_release, such as "# R32 (release), REVISION: 7.1, ...". */
  tegraRelease: string | null;
  /** L4T major release ("R32"), parsed from tegraRelease. */
  l4tRelease: string | null;
  /** Node's process.arch: 'arm64', 'x64', 'arm'. */
  arch: string;
  paths: BoardPaths;
}

function readText(path: string): string | null {
  try {
    // The device tree string ends in a NUL byte.
    const text = readFileSync(path, 'utf8').replace(/\0+$/g, '').trim();
    return text === '' ? null : text;
  } catch {
    return null;
  }
}

/** Reads the board facts; never throws (a missing file is a normal answer on a PC). */
export function detectBoard(paths: Partial<BoardPaths> = {}, arch: string = process.arch): BoardInfo {
  const resolved: BoardPaths = { ...defaultBoardPaths, ...paths };
  const tegra = readText(resolved.tegraRelease);
  const tegraFirstLine = tegra === null ? null : (tegra.split('\n')[0] ?? null);
  return {
    deviceTreeModel: readText(resolved.deviceTreeModel),
    tegraRelease: tegraFirstLine,
    l4tRelease: tegraFirstLine === null ? null : (/\bR(\d+)\b/.exec(tegraFirstLine)?.[0] ?? null),
    arch,
    paths: resolved,
  };
}

/** One line describing the board, for logs and `edge-agent doctor`. */
export function describeBoard(board: BoardInfo): string {
  const parts = [board.deviceTreeModel ?? `no device tree model (${board.paths.deviceTreeModel} unreadable)`, `arch ${board.arch}`];
  if (board.tegraRelease !== null) parts.push(`L4T ${board.l4tRelease ?? '?'} (${board.paths.tegraRelease})`);
  return parts.join(', ');
}

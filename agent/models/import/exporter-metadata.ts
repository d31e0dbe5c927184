/**
 * The metadata Ultralytics writes into every ONNX export (`names`, `imgsz`, `stride`, `task`,
 * `description`, `author`, `kpt_shape`, ...). Values are Python literals (`{0: 'person', 1:
 * 'bicycle'}`, `[640, 640]`), so they are parsed leniently; anything unreadable is left out and
 * the import falls back to flags.
 */

/** What the exporter's metadata says, where it says it. */
export interface ExporterMetadata {
  names?: string[];
  /** [height, width]. */
  imgsz?: [number, number];
  /** The largest stride (Ultralytics writes one number). */
  stride?: number;
  task?: string;
  description?: string;
  author?: string;
  version?: string;
  license?: string;
  /** [keypoints, values per keypoint] of a pose model. */
  kptShape?: [number, number];
  /** True when the metadata came from an Ultralytics exporter. */
  ultralytics: boolean;
}

/** Parses a Python dict of int to str, or a list of str. */
export function parseNames(text: string): string[] | undefined {
  const t = text.trim();
  const entries = [...t.matchAll(/(\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g)];
  if (t.startsWith('{') && entries.length > 0) {
    const out: string[] = [];
    for (const m of entries) out[Number(m[1])] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
    return out.every((n) => typeof n === 'string' && n.length > 0) && out.length === entries.length ? out : undefined;
  }
  if (t.startsWith('[')) {
    const items = [...t.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? m[2] ?? '');
    return items.length > 0 ? items : undefined;
  }
  return undefined;
}

function numbers(text: string | undefined): number[] {
  return [...(text ?? '').matchAll(/\d+/g)].map((m) => Number(m[0]));
}

/** Reads the exporter metadata from metadata_props. */
export function readExporterMetadata(props: Readonly<Record<string, string>>): ExporterMetadata {
  const out: ExporterMetadata = { ultralytics: /ultralytics/i.test(`${props['author'] ?? ''} ${props['description'] ?? ''} ${props['docs'] ?? ''}`) };
  if (props['names'] !== undefined) {
    const names = parseNames(props['names']);
    if (names) out.names = names;
  }
  const size = numbers(props['imgsz']);
  if (size.length === 1 && (size[0] as number) > 0) out.imgsz = [size[0] as number, size[0] as number];
  if (size.length >= 2 && (size[0] as number) > 0 && (size[1] as number) > 0) out.imgsz = [size[0] as number, size[1] as number];
  const stride = numbers(props['stride']);
  if (stride.length > 0) out.stride = Math.max(...stride);
  const kpt = numbers(props['kpt_shape']);
  if (kpt.length === 2) out.kptShape = [kpt[0] as number, kpt[1] as number];
  for (const key of ['task', 'description', 'author', 'version', 'license'] as const) {
    const v = props[key];
    if (v !== undefined && v.length > 0) out[key] = v;
  }
  return out;
}

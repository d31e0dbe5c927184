/**
 * The image formats the agent decodes, told apart by their first bytes before any decoder sees
 * them: JPEG, PNG and WebP. Everything else sharp (libvips) could open (GIF, TIFF, AVIF/HEIF, SVG,
 * ...) is refused, because each extra decoder is more code a hostile file can reach, and no camera
 * or `files` drop needs them. `infer`, the camera frames and docs/security.md state this one list.
 */

/** A format the agent decodes. */
export type SupportedImageFormat = 'jpeg' | 'png' | 'webp';

/** The supported formats as people name them, for help text and error messages. */
export const supportedImageFormats = 'JPEG, PNG or WebP';

function startsWith(data: Uint8Array, bytes: readonly number[], at = 0): boolean {
  return data.length >= at + bytes.length && bytes.every((b, i) => data[at + i] === b);
}

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

/** The supported format of `data` by its magic bytes, or undefined. */
export function supportedImageFormat(data: Uint8Array): SupportedImageFormat | undefined {
  if (startsWith(data, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(data, ascii('RIFF')) && startsWith(data, ascii('WEBP'), 8)) return 'webp';
  return undefined;
}

/** What unsupported bytes look like, for the refusal: "a GIF", "a TIFF", ... or "unknown bytes 3c 3f 78 6d". */
export function describeImageBytes(data: Uint8Array): string {
  if (startsWith(data, ascii('GIF8'))) return 'a GIF';
  if (startsWith(data, ascii('II*\0')) || startsWith(data, ascii('MM\0*'))) return 'a TIFF';
  if (startsWith(data, ascii('ftyp'), 4)) return 'an AVIF/HEIF (ISO media) file';
  if (startsWith(data, ascii('BM'))) return 'a BMP';
  if (/^\s*<(\?xml|svg|!DOCTYPE)/i.test(Buffer.from(data.subarray(0, 64)).toString('latin1'))) return 'an SVG/XML document';
  const head = [...data.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return data.length === 0 ? 'no bytes' : `unknown bytes ${head}`;
}

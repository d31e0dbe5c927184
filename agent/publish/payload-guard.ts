/**
 * Image bytes never leave the device. Every payload is checked where it is built: binary values
 * (Buffer, typed arrays, ArrayBuffer, Blob) and long base64-looking or `data:` strings are
 * refused, so a future field cannot smuggle a frame or a crop into the cloud by accident.
 */
import { publishErrors } from './errors.js';

// 256 base64 characters are 192 bytes: longer than any id, hash or label the records carry.
const MIN_SUSPECT_LENGTH = 256;
const BASE64ISH = /^[A-Za-z0-9+/_\-\r\n]+={0,2}$/;
/** 1 for the characters of base64 and base64url. */
const BASE64_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') BASE64_CHAR[c.charCodeAt(0)] = 1;
const PAD = 0x3d;
/** A data: URI with base64 content at `lastIndex` (sticky: tried only where a caller points it). */
const DATA_URI_AT = /data:[a-z]+\/[a-z0-9.+-]+;base64,/iy;

/** Throws EDGE_PUBLISH_IMAGE_BYTES naming the JSON path when `value` holds binary or base64 data. */
export function assertNoImageBytes(value: unknown, path = '$'): void {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') checkString(value, path);
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer || value instanceof Blob) {
    throw publishErrors.EDGE_PUBLISH_IMAGE_BYTES(`Expected JSON values in the payload but ${path} is binary (${value.constructor.name}); image bytes never leave the device`, { path });
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertNoImageBytes(item, `${path}[${i}]`));
    return;
  }
  for (const [key, item] of Object.entries(value)) assertNoImageBytes(item, `${path}.${key}`);
}

function checkString(value: string, path: string): void {
  if (isDataUriAt(value, 0) || (value.length >= MIN_SUSPECT_LENGTH && BASE64ISH.test(value))) {
    throw publishErrors.EDGE_PUBLISH_IMAGE_BYTES(
      `Expected short text at ${path} but received ${value.length} characters of base64-looking data; image bytes never leave the device`,
      { path, length: value.length },
    );
  }
}

const LOWER_D = 0x64;

/**
 * The same rule on JSON text already stored, checked again by the drainer before it sends.
 * The drainer runs this on every payload, so it jumps from quote to quote (indexOf is a memchr)
 * and looks closer only at a string that starts with `d` or runs 256 characters; regular
 * expressions over the whole text for the same rule showed in the drain's CPU profile.
 */
export function findImageBytesInJson(text: string): string | null {
  let open = text.indexOf('"');
  while (open !== -1) {
    const close = text.indexOf('"', open + 1);
    if (close === -1) return null;
    if (close - open - 1 >= MIN_SUSPECT_LENGTH && isBase64Run(text, open + 1, close)) return 'a string of 256 or more base64 characters';
    if ((text.charCodeAt(open + 1) | 0x20) === LOWER_D) {
      if (isDataUriAt(text, open + 1)) return 'a base64 data: URI';
    }
    open = close;
  }
  return null;
}

/** Whether text[start, end) is base64 characters followed by at most two `=`, at least 256 of the former. */
function isBase64Run(text: string, start: number, end: number): boolean {
  let stop = end;
  while (stop > start && end - stop < 2 && text.charCodeAt(stop - 1) === PAD) stop -= 1;
  if (stop - start < MIN_SUSPECT_LENGTH) return false;
  for (let i = start; i < stop; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 128 || BASE64_CHAR[c] !== 1) return false;
  }
  return true;
}

/** Whether a base64 data: URI starts at `index` of `text`. */
function isDataUriAt(text: string, index: number): boolean {
  DATA_URI_AT.lastIndex = index;
  return DATA_URI_AT.test(text);
}

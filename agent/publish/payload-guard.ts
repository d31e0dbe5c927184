/**
 * Image bytes never leave the device. Every payload is checked where it is built: binary values
 * (Buffer, typed arrays, ArrayBuffer, Blob) and long base64-looking or `data:` strings are
 * refused, so a future field cannot smuggle a frame or a crop into the cloud by accident.
 */
import { publishErrors } from './errors.js';

// 256 base64 characters are 192 bytes: longer than any id, hash or label the records carry.
const MIN_SUSPECT_LENGTH = 256;
const BASE64ISH = /^[A-Za-z0-9+/_\-\r\n]+={0,2}$/;
const BASE64_RUN_IN_JSON = new RegExp(`"[A-Za-z0-9+/_\\-]{${MIN_SUSPECT_LENGTH},}={0,2}"`);
const DATA_URI = /^data:[a-z]+\/[a-z0-9.+-]+;base64,/i;

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
  if (DATA_URI.test(value) || (value.length >= MIN_SUSPECT_LENGTH && BASE64ISH.test(value))) {
    throw publishErrors.EDGE_PUBLISH_IMAGE_BYTES(
      `Expected short text at ${path} but received ${value.length} characters of base64-looking data; image bytes never leave the device`,
      { path, length: value.length },
    );
  }
}

/** The same rule on JSON text already stored, checked again by the drainer before it sends. */
export function findImageBytesInJson(text: string): string | null {
  if (BASE64_RUN_IN_JSON.test(text)) return 'a string of 256 or more base64 characters';
  if (/"data:[a-z]+\/[a-z0-9.+-]+;base64,/i.test(text)) return 'a base64 data: URI';
  return null;
}

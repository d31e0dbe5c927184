/**
 * The AWS event stream wire format, as the Greengrass nucleus speaks it on its IPC socket: a
 * prelude (total length, headers length, CRC32 of both), typed headers, the payload, and a
 * CRC32 of the whole message. Only what eventstream RPC uses is encoded (int32 and string
 * headers); every header type is decoded.
 */

import { crc32 } from 'node:zlib';

/** A header value to encode. */
export type HeaderValue = { type: 'int32'; value: number } | { type: 'string'; value: string };

/** One decoded event stream message. */
export interface EventMessage {
  headers: Map<string, number | string | boolean | Buffer>;
  payload: Buffer;
}

/** Encodes one event stream message. */
export function encodeMessage(headers: Record<string, HeaderValue>, payload: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [name, h] of Object.entries(headers)) {
    const nameBuf = Buffer.from(name);
    if (h.type === 'int32') {
      const b = Buffer.alloc(1 + nameBuf.length + 1 + 4);
      b.writeUInt8(nameBuf.length, 0);
      nameBuf.copy(b, 1);
      b.writeUInt8(4, 1 + nameBuf.length);
      b.writeInt32BE(h.value, 2 + nameBuf.length);
      parts.push(b);
    } else {
      const v = Buffer.from(h.value);
      const b = Buffer.alloc(1 + nameBuf.length + 1 + 2 + v.length);
      b.writeUInt8(nameBuf.length, 0);
      nameBuf.copy(b, 1);
      b.writeUInt8(7, 1 + nameBuf.length);
      b.writeUInt16BE(v.length, 2 + nameBuf.length);
      v.copy(b, 4 + nameBuf.length);
      parts.push(b);
    }
  }
  const headerBytes = Buffer.concat(parts);
  const total = 12 + headerBytes.length + payload.length + 4;
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(total, 0);
  prelude.writeUInt32BE(headerBytes.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const body = Buffer.concat([prelude, headerBytes, payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([body, crc]);
}

/** Decodes every complete message at the start of `buf`; returns them and the bytes left over. */
export function decodeMessages(buf: Buffer): { messages: EventMessage[]; rest: Buffer } {
  const messages: EventMessage[] = [];
  let offset = 0;
  while (buf.length - offset >= 16) {
    const total = buf.readUInt32BE(offset);
    if (buf.length - offset < total) break;
    const headersLength = buf.readUInt32BE(offset + 4);
    if (crc32(buf.subarray(offset, offset + 8)) !== buf.readUInt32BE(offset + 8)) throw new Error('prelude CRC mismatch');
    if (crc32(buf.subarray(offset, offset + total - 4)) !== buf.readUInt32BE(offset + total - 4)) throw new Error('message CRC mismatch');
    const headers = new Map<string, number | string | boolean | Buffer>();
    let p = offset + 12;
    const end = p + headersLength;
    while (p < end) {
      const nameLength = buf.readUInt8(p);
      const name = buf.toString('utf8', p + 1, p + 1 + nameLength);
      p += 1 + nameLength;
      const type = buf.readUInt8(p);
      p += 1;
      switch (type) {
        case 0: headers.set(name, true); break;
        case 1: headers.set(name, false); break;
        case 2: headers.set(name, buf.readInt8(p)); p += 1; break;
        case 3: headers.set(name, buf.readInt16BE(p)); p += 2; break;
        case 4: headers.set(name, buf.readInt32BE(p)); p += 4; break;
        case 5: case 8: headers.set(name, Number(buf.readBigInt64BE(p))); p += 8; break;
        case 6: case 7: {
          const len = buf.readUInt16BE(p);
          const v = buf.subarray(p + 2, p + 2 + len);
          headers.set(name, type === 7 ? v.toString('utf8') : Buffer.from(v));
          p += 2 + len;
          break;
        }
        case 9: headers.set(name, Buffer.from(buf.subarray(p, p + 16))); p += 16; break;
        default: throw new Error(`unknown header type ${type}`);
      }
    }
    messages.push({ headers, payload: Buffer.from(buf.subarray(end, offset + total - 4)) });
    offset += total;
  }
  return { messages, rest: buf.subarray(offset) };
}


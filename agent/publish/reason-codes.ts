/** MQTT 5 reason codes a broker may put in a PUBACK, named as the spec names them (kept in dead-letter reasons). */

const names: Readonly<Record<number, string>> = Object.freeze({
  0x80: 'unspecified error',
  0x83: 'implementation specific error',
  0x87: 'not authorized',
  0x90: 'topic name invalid',
  0x91: 'packet identifier in use',
  0x95: 'packet too large',
  0x97: 'quota exceeded',
  0x99: 'payload format invalid',
});

/** The spec's name of a PUBACK reason code, or its hex value when unknown. */
export function pubackReasonName(code: number): string {
  return names[code] ?? `reason code 0x${code.toString(16)}`;
}

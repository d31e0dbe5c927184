/**
 * The default device id when the configuration names none. Every Raspberry Pi flashed from one
 * image is called `raspberrypi`, so the host name alone makes two devices one: same topics, and
 * the same MQTT client id, so a broker hands the session back and forth between them. The id is
 * therefore `<hostname>-<8 characters>` taken from something that differs per board: the
 * device-tree serial number (burned into the SoC on a Pi, the module serial on a Jetson), else
 * /etc/machine-id (per installation), else the Greengrass thing name as it is (unique per AWS
 * account). Only with none of them is it the bare host name, and doctor warns about that.
 */
import { readFileSync } from 'node:fs';

/** Where the id came from, as doctor and the start-up log report it. */
export type DeviceIdSource = 'config' | 'serial-number' | 'machine-id' | 'thing-name' | 'hostname';

/** Files the identity is read from, first readable non-empty one wins; tests point these at their own. */
export interface IdentityPaths {
  /** Device-tree serial number files (NUL-terminated). */
  serialNumber: readonly string[];
  /** systemd's machine id files. */
  machineId: readonly string[];
}

/** The real machine's files. */
export const defaultIdentityPaths: IdentityPaths = Object.freeze({
  serialNumber: Object.freeze(['/proc/device-tree/serial-number', '/sys/firmware/devicetree/base/serial-number']),
  machineId: Object.freeze(['/etc/machine-id']),
});

/** The resolved default id and its origin. */
export interface DeviceIdentity {
  deviceId: string;
  source: DeviceIdSource;
  /** What was read: a file path, a variable name, or `os.hostname()`. */
  from: string;
}

/** What the resolver reads besides the files. */
export interface IdentityInputs {
  hostname: string;
  /** AWS_IOT_THING_NAME, which the Greengrass nucleus sets for a component. */
  thingName: string | undefined;
  paths?: Partial<IdentityPaths> | undefined;
}

/** Characters a device id may hold (it goes into MQTT topics: no `/`, `+` or `#`). */
export function cleanDeviceId(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.:-]/g, '-');
  return cleaned === '' ? 'edge-agent' : cleaned;
}

function firstValue(paths: readonly string[]): { path: string; value: string } | undefined {
  for (const path of paths) {
    try {
      // The device tree stores strings NUL-terminated; machine-id ends in a newline.
      const value = readFileSync(path, 'latin1').replace(/\0/g, '').trim().toLowerCase().replace(/[^a-z0-9]/g, '');
      // An all-zero serial (some boards and VMs) or an uninitialised machine-id says nothing.
      if (value !== '' && !/^0+$/.test(value) && value !== 'uninitialized') return { path, value };
    } catch {
      // Absent on this board (no device tree, no systemd): try the next source.
    }
  }
  return undefined;
}

/**
 * The id for a device whose configuration names none. A Pi serial is 16 hex digits whose first
 * eight are the same on many boards (`10000000`), so the serial's LAST eight are used;
 * machine-id is 32 random hex digits, so its first eight are as good as any.
 */
export function resolveDeviceIdentity(inputs: IdentityInputs): DeviceIdentity {
  const paths: IdentityPaths = { ...defaultIdentityPaths, ...inputs.paths };
  const host = cleanDeviceId(inputs.hostname);
  const serial = firstValue(paths.serialNumber);
  if (serial !== undefined) return { deviceId: `${host}-${serial.value.slice(-8)}`, source: 'serial-number', from: serial.path };
  const machine = firstValue(paths.machineId);
  if (machine !== undefined) return { deviceId: `${host}-${machine.value.slice(0, 8)}`, source: 'machine-id', from: machine.path };
  if (inputs.thingName !== undefined && inputs.thingName !== '') return { deviceId: cleanDeviceId(inputs.thingName), source: 'thing-name', from: 'AWS_IOT_THING_NAME' };
  return { deviceId: host, source: 'hostname', from: 'os.hostname()' };
}

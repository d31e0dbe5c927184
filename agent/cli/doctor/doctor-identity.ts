/** Doctor's identity check: which deviceId (and so MQTT client id and topics) this device uses, and where it came from. */
import type { LoadedConfig } from '../../config/load-config.js';
import type { DoctorCheck } from './doctor-check.js';

const sourceText: Readonly<Record<LoadedConfig['identity']['source'], string>> = {
  config: 'set',
  'serial-number': 'the host name and the board serial number in',
  'machine-id': 'the host name and',
  'thing-name': 'the Greengrass thing name,',
  hostname: 'the host name alone,',
};

/** ok with its origin; a warning when only the host name made it (cloned images share one). */
export function identityCheck(loaded: LoadedConfig, where: string): DoctorCheck {
  const { deviceId, source, from } = loaded.identity;
  const detail = `${deviceId} (${sourceText[source]} ${from}); MQTT client id ${loaded.config.publish.clientId ?? deviceId}`;
  if (source !== 'hostname') return { name: 'device id', status: 'ok', detail };
  return {
    name: 'device id',
    status: 'warn',
    detail: `${detail}: no serial number, /etc/machine-id or AWS_IOT_THING_NAME was found, and devices with the same host name take over each other's MQTT session`,
    fix: `set deviceId in ${where}, or give each device its own host name`,
  };
}

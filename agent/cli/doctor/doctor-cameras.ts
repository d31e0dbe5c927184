/**
 * Doctor's camera checks: which video devices and camera tools this machine has, and whether each
 * configured camera's source can be opened with them. Nothing here opens a camera stream; the one
 * process run is `rpicam-hello --list-cameras`, which only enumerates.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig, CameraConfig } from '../../config/schema.js';
import type { DoctorCheck } from './doctor-check.js';
import { findExecutable } from '../../support/executables.js';

/** What the machine offers for capture. */
export interface CameraInventory {
  /** /dev/video* device paths. */
  videoDevices: string[];
  /** Tool name to full path, for the tools found. */
  tools: Record<string, string>;
  /** Cameras `rpicam-hello --list-cameras` listed, or null when it could not be run. */
  rpicamCameras: string[] | null;
}

const toolNames = ['rpicam-hello', 'rpicam-vid', 'rpicam-still', 'libcamera-vid', 'raspistill', 'ffmpeg', 'gst-launch-1.0'] as const;

const installFix: Readonly<Record<string, string>> = {
  'rpicam-vid': 'install it with `sudo apt install rpicam-apps` (Raspberry Pi OS Bookworm)',
  raspistill: 'raspistill belongs to the legacy camera stack (32-bit Raspberry Pi OS up to Bullseye); on Bookworm or a Pi 5 use source type rpicam',
  ffmpeg: 'install it with `apt-get install ffmpeg`',
  'gst-launch-1.0': 'install it with `apt-get install gstreamer1.0-tools` (JetPack images include it)',
};

function listCameras(rpicamHello: string, timeoutMs: number): Promise<string[] | null> {
  return new Promise((resolve) => {
    execFile(rpicamHello, ['--list-cameras'], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const text = `${stdout}\n${stderr}`;
      if (err && !/No cameras available/i.test(text)) return resolve(null);
      resolve(text.split('\n').filter((line) => /^\s*\d+\s*:/.test(line)).map((line) => line.trim()));
    });
  });
}

/** Looks for video devices under `devDir` and camera tools on `searchPath`. */
export async function takeCameraInventory(devDir: string, searchPath: readonly string[], timeoutMs = 5000): Promise<CameraInventory> {
  let videoDevices: string[] = [];
  try {
    videoDevices = readdirSync(devDir)
      .filter((n) => /^video\d+$/.test(n))
      .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
      .map((n) => join(devDir, n));
  } catch {
    // No such directory: no devices.
  }
  const tools: Record<string, string> = {};
  for (const name of toolNames) {
    const found = findExecutable(name, searchPath);
    if (found !== undefined) tools[name] = found;
  }
  const hello = tools['rpicam-hello'];
  const rpicamCameras = hello === undefined ? null : await listCameras(hello, timeoutMs);
  return { videoDevices, tools, rpicamCameras };
}

/** A summary of what was found: warn when there is no camera at all (only `files` would work). */
export function inventoryCheck(inv: CameraInventory): DoctorCheck {
  const parts: string[] = [];
  parts.push(inv.videoDevices.length > 0 ? `video devices: ${inv.videoDevices.join(', ')}` : 'no /dev/video* devices');
  if (inv.rpicamCameras !== null) parts.push(inv.rpicamCameras.length > 0 ? `rpicam cameras: ${inv.rpicamCameras.join('; ')}` : 'rpicam-hello lists no cameras');
  const tools = Object.keys(inv.tools);
  parts.push(tools.length > 0 ? `tools: ${tools.join(', ')}` : 'no camera tools on PATH');
  const anyCamera = inv.videoDevices.length > 0 || (inv.rpicamCameras?.length ?? 0) > 0;
  return anyCamera
    ? { name: 'cameras found', status: 'ok', detail: parts.join('; ') }
    : {
        name: 'cameras found',
        status: 'warn',
        detail: `${parts.join('; ')}; only the files source can work here`,
        fix: 'connect a camera; for a Raspberry Pi camera run `rpicam-hello --list-cameras`, for USB `v4l2-ctl --list-devices`',
      };
}

function rpicamBinary(inv: CameraInventory): string | undefined {
  return inv.tools['rpicam-vid'] ?? inv.tools['libcamera-vid'];
}

function needTool(name: string, camera: CameraConfig, tool: string, inv: CameraInventory, searchPath: readonly string[]): DoctorCheck {
  const wanted = camera.source.binary ?? tool;
  const found = camera.source.binary !== undefined ? findExecutable(wanted, searchPath) : tool === 'rpicam-vid' ? rpicamBinary(inv) : inv.tools[tool];
  if (found === undefined) {
    return { name, status: 'problem', detail: `source type ${camera.source.type} needs ${wanted}, which is not on PATH`, fix: installFix[tool] ?? `install ${wanted} or set source.binary to its path` };
  }
  return { name, status: 'ok', detail: `source type ${camera.source.type} uses ${found}` };
}

function autoBackendAvailable(backend: string, inv: CameraInventory): string | null {
  switch (backend) {
    case 'rpicam':
      return rpicamBinary(inv) !== undefined && (inv.rpicamCameras === null || inv.rpicamCameras.length > 0) ? `rpicam (${rpicamBinary(inv) ?? ''})` : null;
    case 'raspistill':
      return inv.tools['raspistill'] !== undefined ? 'raspistill' : null;
    case 'v4l2':
      return inv.videoDevices.length > 0 && inv.tools['ffmpeg'] !== undefined ? `v4l2 (${inv.videoDevices[0] ?? ''})` : null;
    case 'gstreamer':
      return inv.tools['gst-launch-1.0'] !== undefined ? 'gstreamer' : null;
    default:
      return null;
  }
}

/** One check per configured camera: can its source be opened with what this machine has? */
export function cameraChecks(config: AgentConfig, inv: CameraInventory, searchPath: readonly string[]): DoctorCheck[] {
  return config.cameras.map((camera): DoctorCheck => {
    const name = `camera ${camera.name}`;
    const source = camera.source;
    switch (source.type) {
      case 'rpicam':
        return needTool(name, camera, 'rpicam-vid', inv, searchPath);
      case 'raspistill':
        return needTool(name, camera, 'raspistill', inv, searchPath);
      case 'gstreamer':
        return needTool(name, camera, 'gst-launch-1.0', inv, searchPath);
      case 'rtsp':
      case 'http':
        return needTool(name, camera, 'ffmpeg', inv, searchPath);
      case 'v4l2': {
        const device = source.device ?? '';
        if (!existsSync(device)) {
          return { name, status: 'problem', detail: `device ${device} does not exist`, fix: 'check the cable and list devices with `v4l2-ctl --list-devices`, then set source.device' };
        }
        return needTool(name, camera, 'ffmpeg', inv, searchPath);
      }
      case 'files': {
        if (source.path !== undefined && !existsSync(source.path)) {
          return { name, status: 'problem', detail: `source.path ${source.path} does not exist`, fix: 'create the folder or point source.path at the images' };
        }
        return { name, status: 'ok', detail: `files from ${source.path ?? ''}${source.glob ?? ''}` };
      }
      case 'auto': {
        const usable = config.capture.autoBackends.map((b) => autoBackendAvailable(b, inv)).filter((b): b is string => b !== null);
        if (usable.length === 0) {
          return {
            name,
            status: 'problem',
            detail: `source type auto tries ${config.capture.autoBackends.join(', ')} and none is available`,
            fix: 'connect a camera and install its tools (`sudo apt install rpicam-apps` for a Raspberry Pi camera, `apt-get install ffmpeg` for USB)',
          };
        }
        return { name, status: 'ok', detail: `source type auto would use ${usable[0] ?? ''}` };
      }
    }
  });
}

/**
 * Opens a file the agent is about to read only if it is a regular file. A model or manifest that
 * is a link to /dev/zero, a FIFO or a directory would otherwise hang a read for ever or feed it
 * without end. The file is opened non-blocking (a FIFO's open would wait for a writer) and checked
 * with fstat on the open descriptor, so a swap between the check and the read is not possible.
 */
import { closeSync, constants, fstatSync, openSync, type Stats } from 'node:fs';
import { modelErrors } from './errors.js';

/** An open regular file: its descriptor (the caller closes it) and its size. */
export interface OpenRegularFile {
  fd: number;
  bytes: number;
}

/** What kind of file `stats` describes, for the refusal message. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Opens `path` for reading; throws EDGE_MODEL_FILE_NOT_REGULAR for anything but a regular file. `what` names it ("model file"). */
export function openRegularFile(path: string, what: string): OpenRegularFile {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) {
      throw modelErrors.EDGE_MODEL_FILE_NOT_REGULAR(`Expected a regular file for the ${what} ${path} but it is ${kindOf(stats)}; replace it with the real file`, { path, what });
    }
    return { fd, bytes: stats.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Error codes for images that cannot become a model input. */
import { defineErrors } from '../errors/agent-error.js';

/** Input image errors (docs/errors.md). */
export const inputErrors = defineErrors({
  EDGE_INPUT_EMPTY: { kind: 'input', summary: 'An image file or frame has no bytes.' },
  EDGE_INPUT_UNDECODABLE: { kind: 'input', summary: 'A JPEG, PNG or WebP image is truncated or corrupt.' },
  EDGE_INPUT_UNSUPPORTED_FORMAT: { kind: 'input', summary: 'An image is not JPEG, PNG or WebP (judged by its first bytes); it was refused before decoding.' },
  EDGE_INPUT_TOO_LARGE: { kind: 'input', summary: 'An image has more pixels than the configured limit (a decompression bomb guard).' },
  EDGE_INPUT_RAW_SIZE: { kind: 'input', summary: 'A raw frame has a byte length that does not match its width, height and channels.' },
  EDGE_INPUT_UNREADABLE: { kind: 'input', summary: 'An image file could not be read from disk.' },
});

/** Process entry point of `edge-agent` (see program.ts for the command tree). */
import { main } from './program.js';
import { reportFailure } from './action.js';
import { exitAfterGrace } from './exit-bound.js';

// A reader that goes away (`edge-agent infer ... | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

// Whatever the command left open, the process ends within a second of its outcome.
main(process.argv).catch(reportFailure).finally(exitAfterGrace);

/** Process entry point of `edge-agent` (see program.ts for the command tree). */
import { main } from './program.js';
import { reportFailure } from './action.js';

main(process.argv).catch(reportFailure);

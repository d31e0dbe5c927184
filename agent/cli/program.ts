/**
 * `edge-agent`: the on-device command line. Each command lives in its own file under
 * commands/ and registers itself here; this file only assembles them.
 */
import { Command, CommanderError } from 'commander';
import { exitCodes } from '../errors/agent-error.js';
import { registerInferCommand } from './commands/infer.js';
import { registerModelsCommand } from './commands/models.js';
import { registerRunCommand } from './commands/run.js';
import { registerOutboxCommand } from './commands/outbox.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerSubscribeCommand } from './commands/subscribe.js';
import { registerConsoleCommand } from './commands/console.js';

/** Builds the full command tree; exported so tests can drive it without a child process. */
export function buildProgram(): Command {
  const program = new Command('edge-agent')
    .description('Edge inference agent: ONNX models on camera frames, results kept offline and published over MQTT.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInferCommand(program);
  registerRunCommand(program);
  registerModelsCommand(program);
  registerOutboxCommand(program);
  registerDoctorCommand(program);
  registerSubscribeCommand(program);
  registerConsoleCommand(program);
  return program;
}

/** Runs the CLI on argv and maps commander's usage errors onto the usage exit status. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      process.exitCode = err.exitCode === 0 ? 0 : exitCodes.usage;
      return;
    }
    throw err;
  }
}


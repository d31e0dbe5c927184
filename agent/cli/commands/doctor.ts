/**
 * `edge-agent doctor [--json]`: checks this machine for what `run` needs with the same
 * configuration (board and profile, device id, cameras, models, onnxruntime-node and sharp, data
 * directory, broker, disk, memory, the config) and prints the fix for each problem. Exits
 * non-zero when it finds one, so provisioning scripts can gate on it.
 */
import type { Command } from 'commander';
import { executableSearchPath } from '../../config/environment.js';
import { exitCodes } from '../../errors/agent-error.js';
import { renderDoctorText, runDoctor } from '../doctor/doctor.js';
import { action } from '../action.js';
import { addConfigFlags, commandLoadOptions, type ConfigFlags } from '../load-for-command.js';

interface DoctorFlags extends ConfigFlags {
  json?: boolean;
}

/** Registers `doctor`. */
export function registerDoctorCommand(program: Command): void {
  const cmd = program
    .command('doctor')
    .description('check what `run` needs with the same configuration: board, profile, device id, cameras, models, native modules, data directory, broker, disk and memory; print the fix for each problem')
    .option('--json', 'print the report as one JSON object');
  addConfigFlags(cmd, { models: true })
    .option('--profile <id>', 'use this device profile instead of detecting the board')
    .addHelpText('after', `\nExit status: 0 no problem, ${exitCodes.config} the config is invalid, ${exitCodes.environment} another problem was found.`)
    .action(
      action(async (flags: DoctorFlags) => {
        const report = await runDoctor({
          load: commandLoadOptions(flags),
          searchPath: executableSearchPath(),
        });
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderDoctorText(report));
        if (report.problems === 0) return 0;
        return report.configInvalid ? exitCodes.config : exitCodes.environment;
      }),
    );
}

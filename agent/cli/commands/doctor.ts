/**
 * `edge-agent doctor [--json]`: checks this machine for what the agent needs (board and profile,
 * cameras, onnxruntime-node and sharp, disk, memory, the config) and prints the fix for each
 * problem. Exits non-zero when it finds one, so provisioning scripts can gate on it.
 */
import type { Command } from 'commander';
import { executableSearchPath } from '../../config/environment.js';
import { exitCodes } from '../../errors/agent-error.js';
import { renderDoctorText, runDoctor } from '../doctor/doctor.js';
import { action } from '../action.js';

interface DoctorFlags {
  json?: boolean;
  config?: string;
  profile?: string;
  dataDir?: string;
}

/** Registers `doctor`. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check the board, profile, cameras, native modules, disk and memory, and print the fix for each problem')
    .option('--json', 'print the report as one JSON object')
    .option('-c, --config <file>', 'also check this config file (default: EDGE_AGENT_CONFIG, else none)')
    .option('--profile <id>', 'use this device profile instead of detecting the board')
    .option('--data-dir <dir>', 'where the outbox and models live (checked for free space)')
    .addHelpText('after', `\nExit status: 0 no problem, ${exitCodes.config} the config is invalid, ${exitCodes.environment} another problem was found.`)
    .action(
      action(async (flags: DoctorFlags) => {
        const report = await runDoctor({
          load: { file: flags.config, profile: flags.profile, flags: { dataDir: flags.dataDir } },
          searchPath: executableSearchPath(),
        });
        process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : renderDoctorText(report));
        if (report.problems === 0) return 0;
        return report.configInvalid ? exitCodes.config : exitCodes.environment;
      }),
    );
}

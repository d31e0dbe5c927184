/**
 * `edge-agent console url`: where the local console answers, with its token when it asks for one
 * (docs/console.md). Reads the configuration and the token file; talks to no running agent.
 */
import type { Command } from 'commander';
import { consoleAddress } from '../../console/console-url.js';
import { resolveConfig } from '../../runtime/resolve.js';
import { action } from '../action.js';
import { addConfigFlags, loadForCommand, type ConfigFlags } from '../load-for-command.js';

interface ConsoleFlags extends ConfigFlags {
  json?: boolean;
}

/** Registers `console url`. */
export function registerConsoleCommand(program: Command): void {
  const consoleCommand = program.command('console').description('the local console: a page with each camera\'s latest frame and what the agent decided');
  addConfigFlags(
    consoleCommand
      .command('url')
      .description('print the console\'s address; off 127.0.0.1 it carries the token (keep it like a password)')
      .option('--json', 'print JSON: url, tokenRequired, tokenFile, note'),
  ).action(action((flags: ConsoleFlags) => {
    const resolved = resolveConfig(loadForCommand(flags).config);
    const address = consoleAddress(resolved.console, resolved.health);
    if (flags.json === true) process.stdout.write(`${JSON.stringify(address)}\n`);
    else {
      process.stdout.write(`${address.url}\n`);
      if (address.note !== undefined) process.stderr.write(`edge-agent: ${address.note}\n`);
    }
    return Promise.resolve();
  }));
}

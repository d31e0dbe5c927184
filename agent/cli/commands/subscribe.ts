/**
 * `edge-agent subscribe`: the reference cloud subscriber. It validates every message against the
 * schemas in agent/publish/schemas, drops duplicates by resultId, and reports gaps, duplicates
 * and reordering per device; the delivery tests use the same code.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { action } from '../action.js';

interface SubscribeFlags {
  broker: string;
  topic: string[];
  ndjson?: string;
  count?: number;
  seconds?: number;
  ca?: string;
  cert?: string;
  key?: string;
  username?: string;
  password?: string;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`Expected a positive integer but received "${value}".`);
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Registers `subscribe`. */
export function registerSubscribeCommand(program: Command): void {
  program
    .command('subscribe')
    .description('subscribe to the agent\'s topics, validate every message, drop duplicates, report gaps and reordering per device')
    .requiredOption('--broker <url>', 'mqtt:// or mqtts:// broker URL')
    .requiredOption('--topic <filter>', 'topic filter, e.g. edge-agent/+/results/# (repeatable)', collect)
    .option('--ndjson <file>', 'append each distinct message as one JSON line {topic, message}')
    .option('--count <n>', 'stop after n distinct results', positiveInteger)
    .option('--seconds <n>', 'stop after n seconds', positiveInteger)
    .option('--ca <file>', 'CA certificate (PEM) for mqtts://')
    .option('--cert <file>', 'client certificate (PEM) for mutual TLS')
    .option('--key <file>', 'client key (PEM) for mutual TLS')
    .option('--username <name>', 'MQTT username')
    .option('--password <secret>', 'MQTT password')
    .addHelpText('after', '\nPrints the per-device report as JSON on stdout when it stops (Ctrl-C, --count or --seconds);\nexits 1 when a message failed validation or a seq is missing without a drop record.')
    .action(action(async (flags: SubscribeFlags) => {
      const abort = new AbortController();
      const stop = (): void => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const tls = {
          ...(flags.ca === undefined ? {} : { caFile: flags.ca }),
          ...(flags.cert === undefined ? {} : { certFile: flags.cert }),
          ...(flags.key === undefined ? {} : { keyFile: flags.key }),
        };
        // Imported here: mqtt.js is not needed by the other commands (`run` without a broker).
        const { runSubscribe } = await import('../../publish/subscriber/run-subscribe.js');
        const outcome = await runSubscribe(
          {
            url: flags.broker,
            topics: flags.topic,
            signal: abort.signal,
            ...(Object.keys(tls).length === 0 ? {} : { tls }),
            ...(flags.ndjson === undefined ? {} : { ndjsonFile: flags.ndjson }),
            ...(flags.count === undefined ? {} : { count: flags.count }),
            ...(flags.seconds === undefined ? {} : { durationMs: flags.seconds * 1000 }),
            ...(flags.username === undefined ? {} : { username: flags.username }),
            ...(flags.password === undefined ? {} : { password: flags.password }),
          },
          process.stdout,
          process.stderr,
        );
        return outcome.exitCode;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    }));
}

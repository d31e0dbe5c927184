/**
 * `edge-agent run`: the main job. Loads the configuration (or the built-in demo), starts the
 * agent, shows a status line, and on SIGTERM/SIGINT finishes the frame in flight, commits, closes
 * the outbox and exits 0 within the configured bound.
 */
import type { Command } from 'commander';
import { executableSearchPath, greengrassEnvironment, processEnvironment, serviceManagerEnvironment } from '../../config/environment.js';
import type { EmbeddedBroker } from '../embedded-broker.js';
import { healthErrors } from '../../health/errors.js';
import { createSdNotifier, watchdogIntervalMs } from '../../health/sd-notify.js';
import { startWatchdog } from '../../health/watchdog.js';
import { formatStatus } from '../status-line.js';
import { createLogger, type Logger } from '../../log/logger.js';
import { watchStopSignals, type StopSignals } from '../stop-signals.js';
import { MQTT_311_FIX, MQTT_311_WARNING, refusalsUnseen } from '../mqtt311-warning.js';
import { AgentRuntime } from '../../runtime/agent-runtime.js';
import { followGreengrassConfiguration } from '../../greengrass/follow-configuration.js';
import { prepareDemo } from '../demo-config.js';
import { startStatusLine } from '../status-line.js';
import { action } from '../action.js';
import { addConfigFlags, commandConfigFile, loadForCommand, type ConfigFlags } from '../load-for-command.js';
import { parseIntegerFlag } from '../parse-flags.js';

interface RunFlags extends ConfigFlags {
  broker?: string;
  healthPort?: string;
  logLevel?: string;
  demoImages?: string;
  exitWhenDone?: boolean;
  status?: boolean;
}

/** Registers `run`. */
export function registerRunCommand(program: Command): void {
  const cmd = program.command('run').description('run the agent: cameras, models, outbox, health server (and publishing when configured)');
  addConfigFlags(cmd, { models: true });
  cmd
    .option('--broker <url>', 'publish to this MQTT broker (mqtt://host:1883, mqtts://host:8883), overriding the configuration')
    .option('--profile <id>', 'device profile (default: detected from the board)')
    .option('--health-port <port>', 'health server port (0 picks a free one)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option('--demo-images <dir|url>', 'your own folder of images for the demo to replay, or an http(s) base URL serving the sample images of agent/models/sample-images.json (default: fetched into <data-dir>/demo-images; docs/cli.md)')
    .option('--exit-when-done', 'exit once every files source has played its images (sources set to loop never end)')
    .option('--no-status', 'do not print the status line')
    .addHelpText('after', '\nWithout --config, EDGE_AGENT_CONFIG or /etc/edge-agent/config.yaml the built-in demo runs: the files source over sample images with the person model.\nConfiguration: docs/configuration.md. Stop with Ctrl-C or SIGTERM.')
    .action(action(async (flags: RunFlags) => runAgent(flags)));
}

async function runAgent(flags: RunFlags): Promise<number> {
  // Listening before any start-up step (stop-signals.ts): a SIGTERM while models load is a clean stop.
  const stopSignals = watchStopSignals();
  try {
    return await runWatched(flags, stopSignals);
  } finally {
    stopSignals.dispose();
  }
}

/** Stops a runtime whose start-up was interrupted by a signal, once it has started; 0 when clean. */
async function stopDuringStartUp(starting: Promise<AgentRuntime>, boundMs: number, logger: Logger, embedded: EmbeddedBroker | undefined): Promise<number> {
  logger.info({ shutdownTimeoutMs: boundMs }, 'stop requested during start-up; stopping as soon as start-up has finished');
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    starting.then((runtime) => runtime.stop()).then(() => 'clean' as const),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), boundMs);
    }),
  ]);
  clearTimeout(timer);
  await embedded?.close();
  if (outcome === 'timeout') {
    logger.error({ shutdownTimeoutMs: boundMs }, 'start-up and shutdown did not finish in time; exiting anyway');
    process.exit(1);
  }
  return 0;
}

async function runWatched(flags: RunFlags, stopSignals: StopSignals): Promise<number> {
  const useDemo = commandConfigFile(flags) === undefined;
  const healthPort = flags.healthPort === undefined ? undefined : parseIntegerFlag('--health-port', flags.healthPort, 0, 65535);
  // run's own flags, on top of --data-dir, --model-dir and --from (which loadForCommand adds).
  const runFlags = {
    logLevel: flags.logLevel as never,
    ...(healthPort === undefined ? {} : { health: { port: healthPort } }),
  };
  // The demo's sample images and model are fetched (or found in the cache or mirror) first.
  const demo = useDemo ? await prepareDemo(flags) : undefined;
  const load = (publish: Record<string, unknown> | undefined) =>
    loadForCommand(flags, {
      document: demo === undefined ? undefined : { values: demo, label: 'the built-in demo configuration' },
      flags: { ...runFlags, ...(publish === undefined ? {} : { publish }) },
    });
  let loaded = load(flags.broker === undefined ? undefined : { transport: 'mqtt', brokerUrl: flags.broker });
  // The demo with nowhere to publish gets a broker and a subscriber of its own, so results are
  // seen arriving end to end; with a broker configured (or --broker) that one is used instead.
  let embedded: EmbeddedBroker | undefined;
  if (useDemo && loaded.config.publish.transport === 'none') {
    const thing = loaded.config.publish.thingName ?? loaded.config.deviceId;
    // Imported here: aedes and mqtt.js are only needed by the demo (and mqtt.js by the mqtt transport).
    const { startEmbeddedBroker } = await import('../embedded-broker.js');
    embedded = await startEmbeddedBroker([`edge-agent/${thing}/#`]);
    loaded = load({ transport: 'mqtt', brokerUrl: embedded.url, mqttVersion: '3.1.1' });
  }
  const logger = createLogger(loaded.config.logLevel, { deviceId: loaded.config.deviceId });
  if (embedded !== undefined) logger.info({ url: embedded.url }, 'demo: embedded MQTT broker and subscriber started (pass --broker URL to use your own)');
  // The demo's own broker refuses nothing, so only a real broker gets the warning.
  if (embedded === undefined && refusalsUnseen(loaded.config)) logger.warn({ mqttVersion: '3.1.1', fix: MQTT_311_FIX }, MQTT_311_WARNING);
  stopSignals.requested.then((signal) => logger.info({ signal }, 'stopping'), () => undefined);
  if (stopSignals.received() !== undefined) {
    await embedded?.close();
    return 0;
  }
  const starting = AgentRuntime.start(loaded, { logger, executableSearchPath: executableSearchPath().join(':'), greengrass: greengrassEnvironment() });
  // A stop asked for during start-up waits for the start to finish (bounded), then stops cleanly.
  if ((await Promise.race([starting.then(() => undefined), stopSignals.requested])) !== undefined) {
    return stopDuringStartUp(starting, loaded.config.shutdownTimeoutMs, logger, embedded);
  }
  const runtime = await starting;
  // Under Greengrass the component configuration key `agent` is the source of truth: follow it
  // live, loading each version exactly as this one was (same flags, profile and environment).
  const nucleus = greengrassEnvironment();
  const following =
    loaded.config.publish.transport === 'greengrass' && nucleus.socketPath !== undefined && nucleus.authToken !== undefined
      ? await followGreengrassConfiguration({
          runtime,
          socketPath: nucleus.socketPath,
          authToken: nucleus.authToken,
          loadFrom: (values) =>
            // No file at all: a file named by a flag, EDGE_AGENT_CONFIG or the default path would
            // win over the document, and the component configuration must.
            loadForCommand({ ...flags, config: undefined }, {
              document: { values, label: 'the Greengrass component configuration key `agent`' },
              flags: runFlags,
              defaultFile: null,
              env: { ...processEnvironment(), EDGE_AGENT_CONFIG: undefined },
            }).config,
          isDraining: () => runtime.publishing?.publisher.isReady() === true && runtime.outbox.status().pendingRows > 0,
          logger: logger.child({ part: 'greengrass-config' }),
        })
      : undefined;
  const extra = () => {
    const sent = runtime.publishing === undefined ? '' : ` | published ${runtime.publishing.drainer.stats().rowsDelivered}${runtime.publishing.publisher.isReady() ? '' : ' (offline)'}`;
    return `${sent}${embedded === undefined ? '' : ` | demo subscriber received ${embedded.received()}`}${runtime.variants.summary()}`;
  };
  const stopStatus = flags.status === false ? () => undefined : startStatusLine(() => ({ status: runtime.status(), extra: extra() }), process.stderr);

  // Under systemd (Type=notify): READY once serving, WATCHDOG while the event loop turns and no
  // restart is needed, and the status line for `systemctl status`. Outside systemd the notifier
  // does nothing, and a needed restart stops the agent with status 1 instead (health/watchdog.ts).
  const service = serviceManagerEnvironment();
  const notifier = createSdNotifier({ socketPath: service.notifySocket, logger });
  notifier.ready();
  const watchdogMs = watchdogIntervalMs(service.watchdogUsec);
  let restartNeeded: (reason: string) => void = () => undefined;
  const restart = new Promise<'restart'>((resolve) => {
    restartNeeded = () => resolve('restart');
  });
  const watchdog = startWatchdog({
    notifier,
    intervalMs: watchdogMs ?? 10_000,
    watched: watchdogMs !== undefined && notifier.enabled,
    restartNeeded: () => runtime.readiness.restartNeeded(),
    status: () => formatStatus(runtime.status()),
    onRestartNeeded: (reason) => restartNeeded(reason),
    logger,
  });

  const stopped = stopSignals.requested.then(() => 'signal' as const);
  await Promise.race([stopped, restart, flags.exitWhenDone ? runtime.finished() : new Promise<never>(() => undefined)]);

  watchdog.stop();
  notifier.stopping();
  // The status line's last print reads the outbox, so it ends before the runtime closes it.
  stopStatus();
  // Bound the shutdown: a wedged native call must not keep a service manager waiting for ever.
  const bound = loaded.config.shutdownTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    (following?.stop() ?? Promise.resolve()).then(() => runtime.stop()).then(() => 'clean' as const),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), bound);
    }),
  ]);
  clearTimeout(timer);
  await notifier.close();
  await embedded?.close();
  if (outcome === 'timeout') {
    logger.error({ shutdownTimeoutMs: bound }, 'shutdown did not finish in time; exiting anyway');
    process.exit(1);
  }
  const reason = watchdog.restartReason;
  if (reason !== undefined) {
    throw healthErrors.EDGE_HEALTH_RESTART_NEEDED(`Expected the agent to keep running but ${reason}; it stopped cleanly and exits with status 1 so its supervisor restarts it (fix the cause, or raise inference.timeoutMs if inferences are just slow)`, { reason });
  }
  return 0;
}

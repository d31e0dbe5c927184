/**
 * The body of `edge-agent subscribe`: subscribe, check every message, write the distinct ones to
 * an NDJSON file, say each duplicate, reordering and invalid message on stderr as it happens,
 * and print the per-device report when it ends (count reached, time up, or Ctrl-C).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { TlsFiles } from '../tls-files.js';
import type { DeliveryReport } from './delivery-checker.js';
import { startSubscriber } from './subscriber.js';

/** What the command line gives. */
export interface SubscribeRequest {
  url: string;
  topics: string[];
  ndjsonFile?: string;
  /** Stop after this many distinct results. */
  count?: number;
  /** Stop after this long. */
  durationMs?: number;
  tls?: TlsFiles;
  username?: string;
  password?: string;
  /** Stops the subscriber early (SIGINT in the CLI). */
  signal?: AbortSignal;
}

/** The report and the exit status: 1 when a message was invalid or a seq is missing. */
export interface SubscribeOutcome {
  report: DeliveryReport;
  exitCode: number;
}

/** Runs the subscriber until count, duration or abort; writes the report as JSON on `stdout`. */
export async function runSubscribe(request: SubscribeRequest, stdout: Writable, stderr: Writable): Promise<SubscribeOutcome> {
  let file: WriteStream | undefined;
  if (request.ndjsonFile !== undefined) file = createWriteStream(request.ndjsonFile, { flags: 'a' });
  let distinct = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const subscriber = await startSubscriber({
    url: request.url,
    topics: request.topics,
    ...(request.tls === undefined ? {} : { tls: request.tls }),
    ...(request.username === undefined ? {} : { username: request.username }),
    ...(request.password === undefined ? {} : { password: request.password }),
    onMessage: (topic, payload, accepted) => {
      if (!accepted.valid) {
        stderr.write(`invalid ${accepted.kind} message on ${topic}\n`);
        return;
      }
      if (accepted.kind === 'status' || accepted.kind === 'heartbeat') {
        file?.write(`${JSON.stringify({ topic, message: JSON.parse(payload.toString()) as unknown })}\n`);
        return;
      }
      const members = accepted.kind === 'batch' ? (JSON.parse(payload.toString()) as { results: unknown[] }).results.length : 1;
      if (accepted.fresh.length < members) stderr.write(`${members - accepted.fresh.length} duplicate(s) on ${topic}\n`);
      for (const m of accepted.fresh) {
        file?.write(`${JSON.stringify({ topic, message: m })}\n`);
        if (!('type' in m)) distinct += 1;
      }
      if (request.count !== undefined && distinct >= request.count) finish();
    },
  });
  stderr.write(`subscribed to ${request.topics.join(', ')} on ${request.url}\n`);
  const timer = request.durationMs === undefined ? undefined : setTimeout(finish, request.durationMs);
  request.signal?.addEventListener('abort', finish, { once: true });
  try {
    await finished;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    await subscriber.close();
    if (file !== undefined) {
      const f = file;
      await new Promise<void>((resolve) => f.end(() => resolve()));
    }
  }
  const report = subscriber.checker.report();
  for (const d of report.devices) {
    if (d.reordered > 0) stderr.write(`${d.deviceId}: ${d.reordered} message(s) arrived after a higher seq\n`);
    for (const g of d.gaps) stderr.write(`${d.deviceId}: missing seq ${g.from === g.to ? g.from : `${g.from}-${g.to}`}\n`);
  }
  stdout.write(`${JSON.stringify(report)}\n`);
  const bad = report.invalid > 0 || report.devices.some((d) => d.gaps.length > 0);
  return { report, exitCode: bad ? 1 : 0 };
}

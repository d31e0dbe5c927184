/**
 * `edge-agent outbox status|export|dead|requeue`: what is waiting to be delivered and what was
 * refused. status, export and dead only read, so they are safe while the agent runs (WAL lets a
 * reader see the last commit without blocking the writer); requeue is one short transaction.
 */
import { once } from 'node:events';
import type { Command } from 'commander';
import { DeadLetters, type DeadLetter, type RequeueOutcome } from '../../outbox/dead-letters.js';
import { outboxErrors } from '../../outbox/errors.js';
import { OutboxReader } from '../../outbox/outbox-reader.js';
import type { OutboxRow, OutboxStatus } from '../../outbox/outbox.js';
import { outboxPath } from '../../outbox/paths.js';
import { action } from '../action.js';
import { configFileHelp, loadForCommand } from '../load-for-command.js';

interface OutboxFlags {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

interface RequeueFlags extends OutboxFlags {
  all?: boolean;
  reason?: string;
}

const dataDirHelp = 'agent data directory holding outbox.sqlite (default: dataDir of the configuration)';

/** Registers `outbox status`, `export`, `dead` and `requeue`. */
export function registerOutboxCommand(program: Command): void {
  const outbox = program.command('outbox').description('inspect the durable outbox of results waiting for delivery');

  outbox
    .command('status')
    .description('pending rows and bytes, oldest pending age, dead-lettered rows, drops by reason, last seq')
    .option('--json', 'print JSON')
    .option('-c, --config <file>', configFileHelp)
    .option('--data-dir <dir>', dataDirHelp)
    .action(action((flags: OutboxFlags) => {
      const reader = OutboxReader.open(outboxPath(resolveDataDir(flags)));
      try {
        const status = reader.status();
        process.stdout.write(flags.json ? `${JSON.stringify({ path: reader.path, ...status })}\n` : formatStatus(reader.path, status));
      } finally {
        reader.close();
      }
      return Promise.resolve();
    }));

  outbox
    .command('export')
    .description('print every pending row as one JSON object per line (NDJSON), oldest first')
    .option('-c, --config <file>', configFileHelp)
    .option('--data-dir <dir>', dataDirHelp)
    .action(action(async (flags: OutboxFlags) => {
      const reader = OutboxReader.open(outboxPath(resolveDataDir(flags)));
      try {
        const onCorrupt = (c: { id: number; seq: number; reason: string }): void => {
          process.stderr.write(`edge-agent: row id ${c.id} (seq ${c.seq}) left out: ${c.reason}\n`);
        };
        await writeNdjson(reader.pending(500, onCorrupt), process.stdout);
      } finally {
        reader.close();
      }
    }));

  outbox
    .command('dead')
    .description('list dead letters (rows refused for good or failing their checksum): id, seq, topic, reason, when')
    .option('--json', 'print one JSON object per line (NDJSON)')
    .option('-c, --config <file>', configFileHelp)
    .option('--data-dir <dir>', dataDirHelp)
    .action(action((flags: OutboxFlags) => {
      const dead = DeadLetters.open(outboxPath(resolveDataDir(flags)));
      try {
        const rows = dead.list();
        process.stdout.write(flags.json ? rows.map((r) => `${JSON.stringify({ ...r, deadAt: new Date(r.deadAtMs).toISOString() })}\n`).join('') : formatDead(rows));
      } finally {
        dead.close();
      }
      return Promise.resolve();
    }));

  outbox
    .command('requeue')
    .description('move dead letters back to pending (at the end of the queue, same seq and resultId) once their cause is fixed')
    .argument('[id...]', 'dead-letter ids, as `outbox dead` lists them')
    .option('--all', 'every dead letter (narrowed by --reason when given)')
    .option('--reason <text>', 'only dead letters whose reason contains this text')
    .option('--json', 'print the outcome as JSON')
    .option('-c, --config <file>', configFileHelp)
    .option('--data-dir <dir>', dataDirHelp)
    .action(action((ids: string[], flags: RequeueFlags) => {
      const chosen = parseIds(ids, flags.all === true);
      const dead = DeadLetters.open(outboxPath(resolveDataDir(flags)));
      let outcome: RequeueOutcome;
      try {
        outcome = dead.requeue(flags.reason === undefined ? { ids: chosen } : { ids: chosen, reason: flags.reason });
      } finally {
        dead.close();
      }
      process.stdout.write(flags.json ? `${JSON.stringify(outcome)}\n` : formatRequeue(outcome));
      // Some asked-for rows stayed dead: say so in the exit status too.
      return Promise.resolve(outcome.refused.length > 0 ? 1 : 0);
    }));
}

/** Ids from the command line, or 'all'; refuses both, neither, or a non-integer id. */
function parseIds(ids: readonly string[], all: boolean): number[] | 'all' {
  if (all && ids.length > 0) throw outboxErrors.EDGE_OUTBOX_INVALID_OPTION(`Expected dead-letter ids or --all, not both; received ${ids.join(' ')} and --all`, { ids });
  if (all) return 'all';
  if (ids.length === 0) throw outboxErrors.EDGE_OUTBOX_INVALID_OPTION('Expected at least one dead-letter id (from `edge-agent outbox dead`) or --all, but received neither', {});
  return ids.map((text) => {
    const id = Number(text);
    if (!Number.isSafeInteger(id) || id < 1) throw outboxErrors.EDGE_OUTBOX_INVALID_OPTION(`Expected a positive integer dead-letter id but received ${JSON.stringify(text)}`, { id: text });
    return id;
  });
}

/** The human-readable dead-letter table. */
export function formatDead(rows: readonly DeadLetter[]): string {
  if (rows.length === 0) return 'no dead letters\n';
  const lines = rows.map((r) => `${String(r.id).padEnd(8)} ${String(r.seq).padEnd(8)} ${new Date(r.deadAtMs).toISOString()}  ${r.topic}  ${r.reason}`);
  return `${'id'.padEnd(8)} ${'seq'.padEnd(8)} ${'dead at'.padEnd(24)}  topic  reason\n${lines.join('\n')}\n`;
}

function formatRequeue(o: RequeueOutcome): string {
  const lines = [`requeued ${o.requeued.length}${o.requeued.length > 0 ? `: ${o.requeued.map((r) => `${r.id} (seq ${r.seq})`).join(', ')}` : ''}`];
  for (const r of o.refused) lines.push(`not requeued ${r.id}: ${r.reason}`);
  return `${lines.join('\n')}\n`;
}

/** The data directory `run` would use: --data-dir, else the configuration's (load-for-command.ts). */
function resolveDataDir(flags: OutboxFlags): string {
  return loadForCommand(flags).config.dataDir;
}

/** One exported line: the row with its payload parsed, so `jq .payload.detections` works. */
export function exportLine(row: OutboxRow): string {
  let payload: unknown;
  try {
    payload = JSON.parse(row.payload);
  } catch {
    payload = row.payload;
  }
  const { id, seq, streamSeq, resultId, topic, kind, attempts, bytes } = row;
  return `${JSON.stringify({ id, seq, streamSeq, resultId, topic, kind, createdAt: new Date(row.createdAtMs).toISOString(), attempts, bytes, payload })}\n`;
}

/** Writes rows as NDJSON, waiting for the pipe to drain so a large export stays in bounded memory. */
async function writeNdjson(rows: Iterable<OutboxRow>, out: NodeJS.WriteStream): Promise<void> {
  let closed = false;
  // A reader that stops early (`| head`) closes the pipe; that ends the export, not the process.
  const onError = (): void => {
    closed = true;
  };
  out.on('error', onError);
  try {
    for (const row of rows) {
      if (closed) return;
      if (!out.write(exportLine(row))) await Promise.race([once(out, 'drain'), once(out, 'close')]);
    }
  } finally {
    out.off('error', onError);
  }
}

/** The human-readable status block. */
export function formatStatus(path: string, s: OutboxStatus): string {
  const drops = Object.entries(s.droppedByReason).filter(([, n]) => n > 0);
  const lines = [
    `outbox          ${path}`,
    `pending rows    ${s.pendingRows}`,
    `pending bytes   ${formatBytes(s.pendingBytes)}`,
    `oldest pending  ${s.oldestPendingAgeMs === null ? '-' : formatAge(s.oldestPendingAgeMs)}`,
    `dead-lettered   ${s.deadRows}${s.corruptRows > 0 ? ` (${s.corruptRows} failed their checksum)` : ''}`,
    `dropped         ${drops.length === 0 ? 'none' : drops.map(([reason, n]) => `${reason} ${n}`).join(', ')}`,
    `last seq        ${s.lastSeq}`,
  ];
  return `${lines.join('\n')}\n`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(1)} ${units[i]} (${n} B)`;
}

function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

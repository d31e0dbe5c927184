/**
 * `edge-agent outbox status|export`: what is waiting to be delivered, read-only, so both are
 * safe while the agent runs (WAL lets a reader see the last commit without blocking the writer).
 */
import { once } from 'node:events';
import type { Command } from 'commander';
import { defaultDataDir, readEnvironment } from '../../config/environment.js';
import { OutboxReader } from '../../outbox/outbox-reader.js';
import type { OutboxRow, OutboxStatus } from '../../outbox/outbox.js';
import { outboxPath } from '../../outbox/paths.js';
import { action } from '../action.js';

interface OutboxFlags {
  dataDir?: string;
  json?: boolean;
}

const dataDirHelp = 'agent data directory holding outbox.sqlite (default: $EDGE_AGENT_DATA_DIR, /var/lib/edge-agent as root, else ~/.local/share/edge-agent)';

/** Registers `outbox status` and `outbox export`. */
export function registerOutboxCommand(program: Command): void {
  const outbox = program.command('outbox').description('inspect the durable outbox of results waiting for delivery');

  outbox
    .command('status')
    .description('pending rows and bytes, oldest pending age, dead-lettered rows, drops by reason, last seq')
    .option('--json', 'print JSON')
    .option('--data-dir <dir>', dataDirHelp)
    .action(action(async (flags: OutboxFlags) => {
      const reader = OutboxReader.open(outboxPath(resolveDataDir(flags)));
      try {
        const status = reader.status();
        process.stdout.write(flags.json ? `${JSON.stringify({ path: reader.path, ...status })}\n` : formatStatus(reader.path, status));
      } finally {
        reader.close();
      }
    }));

  outbox
    .command('export')
    .description('print every pending row as one JSON object per line (NDJSON), oldest first')
    .option('--data-dir <dir>', dataDirHelp)
    .action(action(async (flags: OutboxFlags) => {
      const reader = OutboxReader.open(outboxPath(resolveDataDir(flags)));
      try {
        await writeNdjson(reader.pending(), process.stdout);
      } finally {
        reader.close();
      }
    }));
}

/** Flag, then EDGE_AGENT_DATA_DIR, then the default for this user. */
function resolveDataDir(flags: OutboxFlags): string {
  return flags.dataDir ?? readEnvironment().dataDir ?? defaultDataDir();
}

/** One exported line: the row with its payload parsed, so `jq .payload.detections` works. */
export function exportLine(row: OutboxRow): string {
  let payload: unknown;
  try {
    payload = JSON.parse(row.payload);
  } catch {
    payload = row.payload;
  }
  const { id, seq, resultId, topic, kind, attempts, bytes } = row;
  return `${JSON.stringify({ id, seq, resultId, topic, kind, createdAt: new Date(row.createdAtMs).toISOString(), attempts, bytes, payload })}\n`;
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
    `dead-lettered   ${s.deadRows}`,
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

/**
 * The checking subscriber of the fault suite: the DeliveryChecker behind `edge-agent subscribe`,
 * fed by a client with a persistent session (clean: false, an hour's session expiry), so that
 * what the agent publishes while this client reconnects after a broker restart is queued for it
 * instead of lost on the way (the broker saves sessions to disk: see broker.ts). Its books are
 * summed over devices: what arrived, duplicates, unexplained gaps, reordering, drop records.
 */
import mqtt from 'mqtt';
import { DeliveryChecker } from '../../../agent/publish/subscriber/delivery-checker.js';

/** The books in numbers. */
export interface DeliverySummary {
  devices: string[];
  unique: number;
  duplicates: number;
  /** Seqs missing and not covered by a drop record, over every device. */
  lost: number;
  reordered: number;
  dropRecords: number;
  intendedMissing: number;
  invalid: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Distinct results per camera (from each result's `frame.source`). */
  perCamera: Record<string, number>;
  /** The first unexplained gaps, for a person to read. */
  gapSample: string;
}

/** One distinct result or drop record, as it arrived. */
export interface SeenItem {
  seq: number;
  kind: 'result' | 'drop';
  resultId: string | undefined;
  /** Drop records: the seqs they stand for. */
  firstSeq: number | undefined;
  lastSeq: number | undefined;
}

/** A subscriber on `edge-agent/#` with per-camera counts. */
export interface CheckingSubscriber {
  checker: DeliveryChecker;
  /** Every distinct result and drop record, in arrival order. */
  seen: SeenItem[];
  summary(): DeliverySummary;
  close(): Promise<void>;
}

/** Connects to `url` and subscribes to every edge-agent topic with QoS 1. */
export async function startChecking(url: string): Promise<CheckingSubscriber> {
  const perCamera: Record<string, number> = {};
  const checker = new DeliveryChecker();
  const seen: SeenItem[] = [];
  const client = mqtt.connect(url, {
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: 3600 },
    reconnectPeriod: 500,
    clientId: `fault-checker-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
  });
  client.on('message', (topic, payload) => {
    for (const item of checker.accept(topic, payload).fresh) {
      const fields = item as { type?: unknown; resultId?: unknown; firstSeq?: unknown; lastSeq?: unknown };
      const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
      seen.push({ seq: item.seq, kind: fields.type === 'outbox.drop' ? 'drop' : 'result', resultId: typeof fields.resultId === 'string' ? fields.resultId : undefined, firstSeq: num(fields.firstSeq), lastSeq: num(fields.lastSeq) });
      const camera = (item as { frame?: { source?: unknown } }).frame?.source;
      if (typeof camera === 'string') perCamera[camera] = (perCamera[camera] ?? 0) + 1;
    }
  });
  // Reconnect errors are expected while the broker is down on purpose.
  client.on('error', () => undefined);
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  await client.subscribeAsync(['edge-agent/#'], { qos: 1 });
  return {
    checker,
    seen,
    close: async () => {
      await client.endAsync(true);
    },
    summary: () => {
      const r = checker.report();
      const gaps = r.devices.flatMap((d) => d.gaps.map((g) => `${d.deviceId}:${g.from}-${g.to}`));
      const firsts = r.devices.map((d) => d.firstSeq).filter((s): s is number => s !== null);
      const lasts = r.devices.map((d) => d.lastSeq).filter((s): s is number => s !== null);
      return {
        devices: r.devices.map((d) => d.deviceId),
        unique: r.devices.reduce((a, d) => a + d.uniqueResults, 0),
        duplicates: r.devices.reduce((a, d) => a + d.duplicates, 0),
        lost: r.devices.reduce((a, d) => a + d.gaps.reduce((b, g) => b + g.to - g.from + 1, 0), 0),
        reordered: r.devices.reduce((a, d) => a + d.reordered, 0),
        dropRecords: r.devices.reduce((a, d) => a + d.dropRecords, 0),
        intendedMissing: r.devices.reduce((a, d) => a + d.intendedMissing, 0),
        invalid: r.invalid,
        firstSeq: firsts.length === 0 ? null : Math.min(...firsts),
        lastSeq: lasts.length === 0 ? null : Math.max(...lasts),
        perCamera: { ...perCamera },
        gapSample: gaps.slice(0, 5).join(' '),
      };
    },
  };
}

/**
 * What a cloud subscriber should do with the agent's messages, written once: validate each one,
 * drop duplicates by resultId, and keep per-device books of gaps (seqs never received and not
 * covered by a drop record), duplicates and reordering. Tests use it to check delivery.
 */
import type { DropMessage, ResultBatchMessage, ResultMessage } from '../messages.js';
import { MessageValidator, type MessageKind } from './message-validator.js';

/** The per-device account of what arrived. */
export interface DeviceReport {
  deviceId: string;
  /** Result and drop messages received, duplicates included (a batch counts its members). */
  received: number;
  /** Distinct results (by resultId). */
  uniqueResults: number;
  /** Distinct drop records. */
  dropRecords: number;
  duplicates: number;
  /** Distinct messages that arrived after one with a higher seq. */
  reordered: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** Seq ranges never received and not explained by a drop record: lost messages. */
  gaps: { from: number; to: number }[];
  /** Seqs never received that a drop record says were dropped on purpose. */
  intendedMissing: number;
}

/** The whole account, per device, plus messages that failed validation. */
export interface DeliveryReport {
  devices: DeviceReport[];
  invalid: number;
  /** The first few validation failures, for a person to read. */
  invalidSamples: { topic: string; errors: string[] }[];
  statusMessages: number;
  heartbeats: number;
}

/** What one incoming message contributed: the distinct results and drop records it carried. */
export interface Accepted {
  kind: MessageKind | 'unknown';
  valid: boolean;
  fresh: (ResultMessage | DropMessage)[];
}

interface DeviceBooks {
  ids: Set<string>;
  seqs: Set<number>;
  order: number[];
  excused: { from: number; to: number }[];
  received: number;
  results: number;
  drops: number;
  duplicates: number;
  reordered: number;
  maxSeq: number;
  minSeq: number;
}

const MAX_SAMPLES = 10;

/** Keeps the books for every device seen on the subscribed topics. */
export class DeliveryChecker {
  private readonly validator = new MessageValidator();
  private readonly devices = new Map<string, DeviceBooks>();
  private readonly deviceByTopic = new Map<string, string>();
  private invalid = 0;
  private readonly invalidSamples: { topic: string; errors: string[] }[] = [];
  private statusMessages = 0;
  private heartbeats = 0;

  /** Checks one message as received on `topic`. */
  accept(topic: string, payload: string | Buffer): Accepted {
    const v = this.validator.validate(payload);
    if (!v.ok) {
      this.invalid += 1;
      if (this.invalidSamples.length < MAX_SAMPLES) this.invalidSamples.push({ topic, errors: v.errors });
      return { kind: v.kind, valid: false, fresh: [] };
    }
    if (v.kind === 'status') {
      this.statusMessages += 1;
      return { kind: v.kind, valid: true, fresh: [] };
    }
    if (v.kind === 'heartbeat') {
      this.heartbeats += 1;
      return { kind: v.kind, valid: true, fresh: [] };
    }
    const members = v.kind === 'batch' ? (v.message as ResultBatchMessage).results : [v.message as ResultMessage | DropMessage];
    const fresh = members.filter((item) => this.record(topic, item));
    return { kind: v.kind, valid: true, fresh };
  }

  /** The numbers so far, seqs in order. */
  report(): DeliveryReport {
    const devices = [...this.devices.entries()].map(([deviceId, b]) => deviceReport(deviceId, b));
    return { devices, invalid: this.invalid, invalidSamples: [...this.invalidSamples], statusMessages: this.statusMessages, heartbeats: this.heartbeats };
  }

  /** Distinct seqs of one device in arrival order (for tests that check order). */
  arrivalOrder(deviceId: string): readonly number[] {
    return this.devices.get(deviceId)?.order ?? [];
  }

  private record(topic: string, item: ResultMessage | DropMessage): boolean {
    const isDrop = 'type' in item && item.type === 'outbox.drop';
    const declared = typeof item.deviceId === 'string' ? item.deviceId : undefined;
    // Drop records carry a deviceId only when the outbox was configured to add one.
    const deviceId = declared ?? this.deviceByTopic.get(topic) ?? topic;
    if (declared !== undefined) this.deviceByTopic.set(topic, declared);
    const b = this.books(deviceId);
    b.received += 1;
    const key = isDrop ? `drop:${item.seq}` : (item as ResultMessage).resultId;
    if (b.ids.has(key)) {
      b.duplicates += 1;
      return false;
    }
    b.ids.add(key);
    if (item.seq < b.maxSeq) b.reordered += 1;
    b.maxSeq = Math.max(b.maxSeq, item.seq);
    b.minSeq = Math.min(b.minSeq, item.seq);
    b.seqs.add(item.seq);
    b.order.push(item.seq);
    if (isDrop) {
      const drop = item as DropMessage;
      b.drops += 1;
      b.excused.push({ from: drop.firstSeq, to: drop.lastSeq });
    } else {
      b.results += 1;
    }
    return true;
  }

  private books(deviceId: string): DeviceBooks {
    let b = this.devices.get(deviceId);
    if (b === undefined) {
      b = { ids: new Set(), seqs: new Set(), order: [], excused: [], received: 0, results: 0, drops: 0, duplicates: 0, reordered: 0, maxSeq: 0, minSeq: Infinity };
      this.devices.set(deviceId, b);
    }
    return b;
  }
}

function deviceReport(deviceId: string, b: DeviceBooks): DeviceReport {
  const gaps: { from: number; to: number }[] = [];
  let intendedMissing = 0;
  if (b.seqs.size > 0) {
    for (let seq = b.minSeq; seq <= b.maxSeq; seq++) {
      if (b.seqs.has(seq)) continue;
      if (b.excused.some((r) => seq >= r.from && seq <= r.to)) {
        intendedMissing += 1;
        continue;
      }
      const last = gaps[gaps.length - 1];
      if (last !== undefined && last.to === seq - 1) last.to = seq;
      else gaps.push({ from: seq, to: seq });
    }
  }
  return {
    deviceId,
    received: b.received,
    uniqueResults: b.results,
    dropRecords: b.drops,
    duplicates: b.duplicates,
    reordered: b.reordered,
    firstSeq: b.seqs.size > 0 ? b.minSeq : null,
    lastSeq: b.seqs.size > 0 ? b.maxSeq : null,
    gaps,
    intendedMissing,
  };
}

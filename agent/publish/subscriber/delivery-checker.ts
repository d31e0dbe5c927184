/**
 * What a cloud subscriber should do with the agent's messages, written once: validate each one,
 * drop duplicates by resultId, and keep books of gaps (sequence numbers never received and not
 * covered by a drop record), duplicates and reordering. Gaps are checked per stream (per topic,
 * on `streamSeq`), so following one model's topic never shows the other topics' messages as
 * holes; messages stored before stream seqs existed are checked on the device-wide `seq`.
 */
import type { CountsMessage, DropMessage, EventMessage, ResultBatchMessage, ResultMessage } from '../messages.js';
import { MessageValidator, type MessageKind } from './message-validator.js';

/** The account of one stream: one topic of one device, checked on `streamSeq`. */
export interface StreamReport {
  topic: string;
  firstStreamSeq: number | null;
  lastStreamSeq: number | null;
  /** Stream seq ranges never received and not explained by a drop record of this stream. */
  gaps: { from: number; to: number }[];
  intendedMissing: number;
  /** Messages that arrived after one with a higher stream seq on this topic. */
  reordered: number;
}

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
  /**
   * Lost messages: ranges never received and not explained by a drop record, per stream (with
   * `topic`, in stream seqs), and on the device seq for messages that carry no streamSeq.
   */
  gaps: { from: number; to: number; topic?: string }[];
  /** Sequence numbers never received that a drop record says were dropped on purpose. */
  intendedMissing: number;
  /** Each topic's own account. */
  streams: StreamReport[];
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

/** A message numbered by the outbox: a result, an event, counts or a drop record. */
type NumberedMessage = ResultMessage | EventMessage | CountsMessage | DropMessage;

/** What one incoming message contributed: the distinct results (events and counts included) and drop records it carried. */
export interface Accepted {
  kind: MessageKind | 'unknown';
  valid: boolean;
  fresh: NumberedMessage[];
}

/** Seqs seen and excused on one sequence (a stream, or the device seq of messages without streamSeq). */
interface SequenceBooks {
  seqs: Set<number>;
  excused: { from: number; to: number }[];
  reordered: number;
  maxSeq: number;
  minSeq: number;
}

interface DeviceBooks {
  ids: Set<string>;
  /** Device seqs of messages without a streamSeq (older agents). */
  legacy: SequenceBooks;
  streams: Map<string, SequenceBooks>;
  order: number[];
  received: number;
  results: number;
  drops: number;
  duplicates: number;
  maxSeq: number;
  minSeq: number;
}

function sequenceBooks(): SequenceBooks {
  return { seqs: new Set(), excused: [], reordered: 0, maxSeq: 0, minSeq: Infinity };
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
    const members = v.kind === 'batch' ? (v.message as ResultBatchMessage).results : [v.message as NumberedMessage];
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

  private record(topic: string, item: NumberedMessage): boolean {
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
    b.maxSeq = Math.max(b.maxSeq, item.seq);
    b.minSeq = Math.min(b.minSeq, item.seq);
    b.order.push(item.seq);
    const streamSeq = typeof item.streamSeq === 'number' ? item.streamSeq : undefined;
    const books = streamSeq === undefined ? b.legacy : this.stream(b, topic);
    const n = streamSeq ?? item.seq;
    if (n < books.maxSeq) books.reordered += 1;
    books.maxSeq = Math.max(books.maxSeq, n);
    books.minSeq = Math.min(books.minSeq, n);
    books.seqs.add(n);
    if (isDrop) {
      const drop = item;
      b.drops += 1;
      if (drop.firstStreamSeq !== undefined && drop.lastStreamSeq !== undefined) {
        // A drop record covers the stream it names (a separate drop topic names the result topic).
        this.stream(b, drop.stream ?? topic).excused.push({ from: drop.firstStreamSeq, to: drop.lastStreamSeq });
      }
      b.legacy.excused.push({ from: drop.firstSeq, to: drop.lastSeq });
    } else {
      b.results += 1;
    }
    return true;
  }

  private stream(b: DeviceBooks, topic: string): SequenceBooks {
    let s = b.streams.get(topic);
    if (s === undefined) {
      s = sequenceBooks();
      b.streams.set(topic, s);
    }
    return s;
  }

  private books(deviceId: string): DeviceBooks {
    let b = this.devices.get(deviceId);
    if (b === undefined) {
      b = { ids: new Set(), legacy: sequenceBooks(), streams: new Map(), order: [], received: 0, results: 0, drops: 0, duplicates: 0, maxSeq: 0, minSeq: Infinity };
      this.devices.set(deviceId, b);
    }
    return b;
  }
}

function deviceReport(deviceId: string, b: DeviceBooks): DeviceReport {
  const legacy = sequenceReport(b.legacy);
  const streams = [...b.streams.entries()].map(([topic, books]): StreamReport => {
    const r = sequenceReport(books);
    return {
      topic,
      firstStreamSeq: books.seqs.size > 0 ? books.minSeq : null,
      lastStreamSeq: books.seqs.size > 0 ? books.maxSeq : null,
      gaps: r.gaps,
      intendedMissing: r.intendedMissing,
      reordered: books.reordered,
    };
  });
  return {
    deviceId,
    received: b.received,
    uniqueResults: b.results,
    dropRecords: b.drops,
    duplicates: b.duplicates,
    reordered: b.legacy.reordered + streams.reduce((a, s) => a + s.reordered, 0),
    firstSeq: b.order.length > 0 ? b.minSeq : null,
    lastSeq: b.order.length > 0 ? b.maxSeq : null,
    gaps: [...legacy.gaps, ...streams.flatMap((s) => s.gaps.map((g) => ({ ...g, topic: s.topic })))],
    intendedMissing: legacy.intendedMissing + streams.reduce((a, s) => a + s.intendedMissing, 0),
    streams,
  };
}

/** Holes between the lowest and highest number seen, split into excused and lost. */
function sequenceReport(b: SequenceBooks): { gaps: { from: number; to: number }[]; intendedMissing: number } {
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
  return { gaps, intendedMissing };
}

/**
 * A generated sequence: a scenario played at one person size on one background. Frames are made
 * on demand (a 640x480 raw frame is 900 kB, a sequence of a hundred would hold 90 MB), always the
 * same for the same index; `writeSequence` puts them in a folder for the `files` camera source.
 */
import sharp from 'sharp';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawImage } from '../../../agent/capture/frame.js';
import type { Box } from '../../../agent/results/result-record.js';
import { backgroundImage, type BackgroundName } from './backgrounds.js';
import { cutPerson, personSize } from './people.js';
import type { Scenario } from './scenarios.js';
import { boxAt, expectedChanges, type ExpectedChange, type PersonBox } from './truth.js';

/** How to render a scenario. */
export interface SequenceOptions {
  /** Share of the frame each person's box covers (0.01 is 1 %). */
  areaFraction: number;
  background?: BackgroundName;
  width?: number;
  height?: number;
  /** Time between frames (the camera's interval). */
  frameIntervalMs?: number;
}

/** A scenario rendered, with its ground truth. */
export interface GroundTruthSequence {
  /** `<scenario> <percent> % on <background>`. */
  name: string;
  width: number;
  height: number;
  frameIntervalMs: number;
  frames: number;
  areaFraction: number;
  /** Person names, in the scenario's order. */
  people: readonly string[];
  /** Per frame, every visible person and their box. */
  truth: readonly (readonly PersonBox[])[];
  /** Per person, the zone and line changes in order. */
  expected: ReadonlyMap<string, readonly ExpectedChange[]>;
  /** The frame at `index`, raw RGB. */
  frame(index: number): Promise<RawImage>;
}

/** Renders `scenario` with `options`. */
export async function buildSequence(scenario: Scenario, options: SequenceOptions): Promise<GroundTruthSequence> {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const backgroundName = options.background ?? 'rocket.jpg';
  const bg = await backgroundImage(backgroundName, width, height);
  const size = personSize(options.areaFraction, width, height);
  const crops = new Map<string, Buffer>();
  for (const p of scenario.people) crops.set(p.name, await cutPerson(p.image, size.width, size.height, p.mirror));
  const boxes = new Map<string, (Box | undefined)[]>();
  for (const p of scenario.people) boxes.set(p.name, Array.from({ length: scenario.frames }, (_, f) => boxAt(p, f, size, width, height)));
  const truth: PersonBox[][] = Array.from({ length: scenario.frames }, (_, f) =>
    scenario.people.flatMap((p) => {
      const box = boxes.get(p.name)?.[f];
      return box === undefined ? [] : [{ person: p.name, box }];
    }),
  );
  const expected = new Map(scenario.people.map((p) => [p.name, expectedChanges(boxes.get(p.name) ?? [], width, height)] as const));
  return {
    name: `${scenario.name} ${+(options.areaFraction * 100).toFixed(2)} % on ${backgroundName}`,
    width,
    height,
    frameIntervalMs: options.frameIntervalMs ?? 1000,
    frames: scenario.frames,
    areaFraction: options.areaFraction,
    people: scenario.people.map((p) => p.name),
    truth,
    expected,
    async frame(index: number): Promise<RawImage> {
      // Farther people (anchor higher up) first, so the nearer one hides them where they overlap.
      const here = [...(truth[index] ?? [])].sort((a, b) => a.box.y + a.box.height - (b.box.y + b.box.height));
      const data = here.length === 0 ? Buffer.from(bg) : await sharp(bg, { raw: { width, height, channels: 3 } }).composite(here.map((h) => ({ input: crops.get(h.person) as Buffer, left: h.box.x, top: h.box.y }))).removeAlpha().raw().toBuffer();
      return { kind: 'raw', data, width, height, channels: 3 };
    },
  };
}

/** Writes every frame of `sequence` to `dir` as `frame-00000.jpg`... (quality 92), for the `files` source; returns the paths. */
export async function writeSequence(sequence: GroundTruthSequence, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < sequence.frames; i++) {
    const f = await sequence.frame(i);
    const path = join(dir, `frame-${String(i).padStart(5, '0')}.jpg`);
    writeFileSync(path, await sharp(f.data, { raw: { width: f.width, height: f.height, channels: f.channels } }).jpeg({ quality: 92 }).toBuffer());
    paths.push(path);
  }
  return paths;
}

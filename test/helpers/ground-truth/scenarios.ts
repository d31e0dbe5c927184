/**
 * The paths people take in generated sequences, and the zone and line they are judged against.
 * Positions are the bottom centre of a person's box (where the event policy places an object), in
 * normalized frame coordinates, given at key frames and moved in straight lines between them.
 */
import type { PersonImage } from './people.js';

/** Where a person's anchor is at one frame. */
export interface Waypoint {
  frame: number;
  x: number;
  y: number;
}

/** One person: who, and where at each key frame; visible from the first key frame to the last. */
export interface PersonPath {
  name: string;
  image: PersonImage;
  /** Flipped left to right, so two people cut from one portrait look different. */
  mirror: boolean;
  waypoints: readonly Waypoint[];
}

/** A scene to generate: its length and its people. */
export interface Scenario {
  name: string;
  /** Frames in the sequence; frames after everyone left let the tracks end. */
  frames: number;
  people: readonly PersonPath[];
}

/**
 * The zone and the line of every scenario. The zone is an upright rectangle and the line is
 * vertical, so the expected events can be worked out with comparisons (truth.ts) instead of the
 * geometry code under test.
 */
export const SCENE = {
  zone: { name: 'bay', left: 0.55, right: 0.75, top: 0.5, bottom: 1 },
  /** Drawn top to bottom, so `forward` is left to right. */
  line: { name: 'door', x: 0.4 },
} as const;

/** `SCENE` in the shape of `cameras[].zones` and `cameras[].lines` of the configuration. */
export function sceneConfig(): { zones: unknown[]; lines: unknown[] } {
  const z = SCENE.zone;
  return {
    zones: [{ name: z.name, polygon: [[z.left, z.top], [z.right, z.top], [z.right, z.bottom], [z.left, z.bottom]] }],
    lines: [{ name: SCENE.line.name, from: [SCENE.line.x, 0], to: [SCENE.line.x, 1] }],
  };
}

/**
 * One person walks in from the left, through the door line and into the bay, stands still there
 * for 30 frames, walks back out through the line and is gone; 16 empty frames follow.
 * Expected: door forward, bay entered, bay left, door backward.
 */
export const WALK_STAND_RETURN: Scenario = {
  name: 'walk-stand-return',
  frames: 102,
  people: [
    {
      name: 'A',
      image: 'hopper.jpg',
      mirror: false,
      waypoints: [
        { frame: 0, x: 0.1, y: 0.9 },
        { frame: 28, x: 0.66, y: 0.88 },
        { frame: 58, x: 0.66, y: 0.88 },
        { frame: 85, x: 0.12, y: 0.9 },
      ],
    },
  ],
};

/**
 * Two people walk towards each other along the floor and pass, one in front of the other (A is
 * nearer the camera, so pasted last), their boxes overlapping for several frames; 16 empty
 * frames follow. Expected: A door forward, bay entered, bay left; B bay entered, bay left, door backward.
 */
export const TWO_PASSING: Scenario = {
  name: 'two-passing',
  frames: 64,
  people: [
    { name: 'A', image: 'hopper.jpg', mirror: false, waypoints: [{ frame: 0, x: 0.08, y: 0.95 }, { frame: 46, x: 0.9, y: 0.95 }] },
    { name: 'B', image: 'hopper.jpg', mirror: true, waypoints: [{ frame: 0, x: 0.9, y: 0.8 }, { frame: 46, x: 0.1, y: 0.8 }] },
  ],
};

/** Every scenario, in the order the benchmark plays them. */
export const SCENARIOS: readonly Scenario[] = [WALK_STAND_RETURN, TWO_PASSING];

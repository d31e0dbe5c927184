/**
 * The agent's configuration, declared once as a JSON Schema: ajv validates against it and fills
 * in defaults, FromSchema derives the TypeScript type from it, config-doc.ts renders
 * docs/configuration.md from it and env-layer.ts derives the EDGE_AGENT_* variables from it.
 * Units are in key names (`...Ms`, `...Seconds`, `...Bytes`).
 */
import type { FromSchema } from './schema-type.js';

const executionProviderNames = ['cpu', 'cuda', 'tensorrt', 'xnnpack', 'webgpu', 'dml', 'coreml', 'qnn', 'nnapi'] as const;
const cameraBackends = ['rpicam', 'raspistill', 'v4l2', 'gstreamer'] as const;
const quantizations = ['none', 'int8-qdq', 'int8-qoperator', 'uint8-qdq', 'float16'] as const;

const reportSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description: 'When a result of this model is kept (stored in the outbox and published).',
  properties: {
    policy: {
      enum: ['every', 'on-change', 'events', 'counts'],
      default: 'every',
      description: '`every` keeps every result; `on-change` keeps one when the labels or their counts change, plus a heartbeat record; `events` keeps no per-frame results but one event message when a tracked object starts, enters or leaves a zone, crosses a line, every `heartbeatSeconds` while it lasts, and when it ends (docs/events.md); `counts` keeps no per-frame results but one counts message every `intervalSeconds` with the tracked objects per label and zone, the line crossings and the most seen at once (docs/messages.md). `events` and `counts` turn `tracking` on.',
    },
    heartbeatSeconds: {
      type: 'integer',
      minimum: 1,
      maximum: 2147483,
      default: 60,
      description: 'With `on-change`: keep an unchanged result at least this often, so silence is never ambiguous. With `events`: an `update` of each track at least this often while it lasts.',
    },
    minScore: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0,
      description: 'Detections below this score are left out of kept results (applied after `threshold`).',
    },
    intervalSeconds: {
      type: 'integer',
      minimum: 1,
      maximum: 86400,
      default: 60,
      description: 'With `counts`: the length of one counting interval. Intervals are aligned to multiples of it since the Unix epoch (60: on the minute; 86400: midnight UTC), and one counts message is sent per interval, also when nothing was seen.',
    },
  },
} as const;

const trackingSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description: 'The multi-object tracker of this model on this camera (docs/events.md): detections matched to tracks by IoU with a constant-velocity prediction, confident detections first. Confirmed tracks give detections a `trackId`.',
  properties: {
    enabled: { type: 'boolean', default: false, description: 'Track objects and add `trackId` to detections; always on with `report.policy: events` or `counts`.' },
    minHits: { type: 'integer', minimum: 1, maximum: 100, default: 3, description: 'Inferred frames an object must be matched in before its track is confirmed (gets an id, and an `events` start).' },
    maxMissedFrames: { type: 'integer', minimum: 0, maximum: 1000, default: 5, description: 'A confirmed track with no match in this many inferred frames in a row ends. Frames the gate skipped do not count.' },
    minIou: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.2, description: 'Least overlap (IoU) of a track\'s predicted box and a detection for them to be matched.' },
    highScore: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'Detections at or above this score start tracks and are matched first; weaker ones (between `threshold` and this) only keep existing tracks alive, as in ByteTrack. Set `threshold` below this to use them.',
    },
  },
} as const;

const normalizedPointSchema = {
  type: 'array',
  items: { type: 'number', minimum: 0, maximum: 1 },
  minItems: 2,
  maxItems: 2,
} as const;

const labelFilterSchema = {
  type: 'array',
  items: { type: 'string', minLength: 1 },
  maxItems: 100,
  description: 'Only objects with one of these labels count; absent: every label.',
} as const;

const zoneSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'polygon'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'Zone name in events (letters, digits, `_`, `.`, `-`).' },
    polygon: {
      type: 'array',
      items: normalizedPointSchema,
      minItems: 3,
      maxItems: 64,
      description: 'Corners `[x, y]` in normalized frame coordinates (0 to 1, y down). An object is in the zone when the bottom centre of its box is.',
    },
    labels: labelFilterSchema,
    minDwellSeconds: { type: 'number', minimum: 0, maximum: 86400, default: 0, description: 'An object counts as having entered only after staying in the zone this long.' },
  },
} as const;

const lineSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'from', 'to'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'Line name in events (letters, digits, `_`, `.`, `-`).' },
    from: { ...normalizedPointSchema, description: 'Start `[x, y]` of the line in normalized frame coordinates.' },
    to: { ...normalizedPointSchema, description: 'End `[x, y]`. Crossing direction `forward` is `to - from` turned a quarter turn counter-clockwise on the image: left to right for a line drawn from top to bottom.' },
    labels: labelFilterSchema,
  },
} as const;

const cameraModelSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', minLength: 1, description: 'Model id from the model store (`edge-agent models list`).' },
    threshold: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.5,
      description: 'Score threshold the decoder applies before non-maximum suppression.',
    },
    classes: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      maxItems: 1000,
      description: "Keep only these labels of the model's (e.g. `[person, car]`), in detections and in a classifier's classes; absent: every label.",
    },
    classThresholds: {
      type: 'object',
      properties: {},
      additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
      description: 'A score threshold per label (e.g. `{person: 0.6, car: 0.4}`), used instead of `threshold` for that label; labels not named use `threshold`.',
    },
    report: reportSchema,
    tracking: trackingSchema,
  },
} as const;

const sourceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  description: 'Where frames come from. Options that do not apply to the chosen `type` are ignored.',
  properties: {
    type: {
      enum: ['auto', 'files', 'rpicam', 'raspistill', 'v4l2', 'rtsp', 'http', 'gstreamer'],
      description: '`auto` tries the backends in `capture.autoBackends` in order and uses the first that opens.',
    },
    path: { type: 'string', minLength: 1, description: '`files`: a directory of images, or one image file. Needs `path` or `glob`.' },
    glob: { type: 'string', minLength: 1, description: '`files`: a glob pattern of images (relative to `path` when both are given).' },
    loop: { type: 'boolean', default: false, description: '`files`: start again after the last image (listing the files again, so new drops are picked up) instead of ending the stream.' },
    device: { type: 'string', minLength: 1, description: '`v4l2`: the video device, such as `/dev/video0` or a stable `/dev/v4l/by-id/...-video-index0` link. Required for `v4l2`.' },
    cameraIndex: {
      type: 'integer',
      minimum: 0,
      maximum: 255,
      default: 0,
      description: '`rpicam`: which attached camera to open (`--camera`; a Pi 5 has two connectors); `auto` also uses it as `sensor-id` of the Jetson CSI pipeline. `raspistill` cannot choose (node-raspistill has no option for it).',
    },
    mode: {
      enum: ['auto', 'video', 'still'],
      default: 'auto',
      description: '`rpicam`: `video` streams MJPEG from rpicam-vid, `still` runs rpicam-still once per frame, `auto` tries video and falls back to stills (logged) when video cannot open.',
    },
    url: { type: 'string', minLength: 1, description: '`rtsp` and `http`: the stream URL (`rtsp://...`, `http://.../mjpeg`). Required for both.' },
    pipeline: {
      type: 'string',
      minLength: 1,
      description: '`gstreamer`: the pipeline (gst-launch-1.0 syntax, split on whitespace), ending in JPEG on stdout (`jpegenc ! fdsink fd=1`). Required for `gstreamer`; with `auto`, replaces the Jetson CSI pipeline it would build.',
    },
    inputFormat: {
      enum: ['mjpeg', 'raw'],
      default: 'mjpeg',
      description: '`v4l2`: `mjpeg` asks the device for MJPEG and copies it; `raw` asks for `yuyv422` and hands raw RGB frames on (no JPEG encode or decode, more pipe bandwidth).',
    },
    binary: {
      type: 'string',
      minLength: 1,
      description: 'The program to run instead of the default one for this type: ffmpeg for `v4l2`, `rtsp`, `http`; gst-launch-1.0 for `gstreamer`; for `rpicam` the program `mode` runs first (rpicam-vid, or rpicam-still in `still` mode). Not used by `raspistill` and `auto`.',
    },
    width: { type: 'integer', minimum: 1, maximum: 16384, description: 'Capture width in pixels. Default: `capture.frameWidth`.' },
    height: { type: 'integer', minimum: 1, maximum: 16384, description: 'Capture height in pixels. Default: `capture.frameHeight`.' },
    fps: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1000,
      default: 10,
      description: 'Frames per second asked from the camera or stream; for `files`, the replay rate; for still sources (`raspistill`, rpicam stills), the most stills per second.',
    },
    openTimeoutMs: {
      type: 'integer',
      minimum: 100,
      maximum: 2147483647,
      default: 10000,
      description: 'A camera that delivers no first frame this long after (re)starting counts as not opened; its process is killed and it is tried again after the backoff.',
    },
    stallTimeoutMs: {
      type: 'integer',
      minimum: 100,
      maximum: 2147483647,
      default: 10000,
      description: 'A running stream that delivers no frame for this long is killed and restarted (and the restart counted); a still capture that takes longer is killed.',
    },
    restartBackoffInitialMs: {
      type: 'integer',
      minimum: 1,
      maximum: 2147483647,
      default: 500,
      description: 'Wait before the first restart of a dead or stalled stream, or the next try of a camera that could not be opened; doubles on each failure.',
    },
    restartBackoffMaxMs: { type: 'integer', minimum: 1, maximum: 2147483647, default: 30000, description: 'Longest wait between restarts or open attempts (they go on for as long as the agent runs).' },
  },
} as const;

const cameraSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'source', 'models'],
  properties: {
    name: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]+$',
      description: 'Unique camera name (letters, digits, `_`, `.`, `-`); used in results, metric labels and logs.',
    },
    source: sourceSchema,
    targetIntervalMs: {
      type: 'integer',
      minimum: 1,
      maximum: 2147483647,
      description: 'Run inference at most once per this many ms; the latest frame wins. Give this or `targetFps`, not both. Default when neither is given: 1000.',
    },
    targetFps: { type: 'number', exclusiveMinimum: 0, maximum: 1000, description: 'Run inference at most this many times per second (the same bound as `targetIntervalMs`, as a rate).' },
    changeGate: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Skip inference on frames where nothing moved (counted in `edge_agent_frames_skipped_total`).',
      properties: {
        enabled: { type: 'boolean', default: false, description: 'Turn the change gate on.' },
        mode: {
          enum: ['motion', 'mean'],
          default: 'motion',
          description: '`motion` infers a frame when one region of it moved (`minAreaPixels`), so a small object is seen; `mean` compares the mean difference of a 32x18 thumbnail of the whole frame with `threshold`, and misses objects smaller than a few percent of the frame.',
        },
        threshold: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          default: 0.02,
          description: '`mean`: mean absolute difference of small grayscale thumbnails, as a fraction of full scale (0 to 1), below which a frame is skipped.',
        },
        analysisWidth: { type: 'integer', minimum: 16, maximum: 1920, default: 160, description: '`motion`: width in pixels of the grayscale image motion is measured on (the height keeps the aspect ratio).' },
        pixelThreshold: { type: 'integer', minimum: 1, maximum: 255, default: 25, description: '`motion`: grey levels a pixel must differ from the background by to count as moving.' },
        minAreaPixels: {
          type: 'integer',
          minimum: 1,
          maximum: 268435456,
          default: 400,
          description: '`motion`: least area, in source-frame pixels, of one connected moving region that makes a frame inferred (400 is 0.13 % of 640x480; a person covering 0.5 % moves about 1500).',
        },
        trackedIntervalMs: {
          type: 'integer',
          minimum: 1,
          maximum: 2147483647,
          default: 2000,
          description: '`motion`: while a tracker follows objects on this camera, infer a frame at least this often even without motion, so a standing object keeps its track and one that left ends it.',
        },
      },
    },
    zones: { type: 'array', items: zoneSchema, maxItems: 100, default: [], description: 'Areas of the frame whose entries and exits tracked objects report (docs/events.md).' },
    lines: { type: 'array', items: lineSchema, maxItems: 100, default: [], description: 'Lines whose crossings, by direction, tracked objects report (docs/events.md).' },
    models: { type: 'array', minItems: 1, items: cameraModelSchema, description: 'Models run on every frame of this camera, each with its own threshold and report policy.' },
  },
} as const;

/** The configuration schema (JSON Schema draft-07 plus the annotation keyword `runtimeDefault`). */
export const configSchema = {
  $id: 'https://edge-agent.local/config.schema.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    deviceId: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.:-]+$',
      runtimeDefault: '`<hostname>-<last 8 of the device-tree serial number>`, else `<hostname>-<first 8 of /etc/machine-id>`, else `$AWS_IOT_THING_NAME`, else the bare host name (characters outside `A-Za-z0-9_.:-` become `-`)',
      description: 'This device\'s name in results, topics (`{thingName}` defaults to it), the MQTT client id and logs; unique per device, since two clients with one id take each other\'s broker session. `edge-agent doctor` shows the id and where it came from. No `/`, `+` or `#`: it goes into MQTT topics.',
    },
    dataDir: {
      type: 'string',
      minLength: 1,
      runtimeDefault: '`$STATE_DIRECTORY`, else `/var/lib/edge-agent` as root, else `~/.local/share/edge-agent`',
      description: 'Where the outbox database and pulled models live.',
    },
    logLevel: {
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
      description: 'Least severe log level written (JSON lines on stderr). Per-frame lines are logged at `debug` and below only.',
    },
    profile: {
      type: 'string',
      minLength: 1,
      default: 'auto',
      description: 'Device profile id (a file in `device-profiles/`), or `auto` to detect the board. See "Device profiles" below.',
    },
    memoryBudgetBytes: {
      type: 'integer',
      minimum: 0,
      maximum: 1099511627776,
      default: 268435456,
      description: 'Resident memory the agent is expected to stay under; `edge-agent doctor` reports a problem when less than this is available.',
    },
    shutdownTimeoutMs: {
      type: 'integer',
      minimum: 0,
      maximum: 2147483647,
      default: 10000,
      description: 'On SIGTERM/SIGINT, wait at most this long for the inference in flight before closing the outbox and exiting.',
    },
    capture: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Defaults for every camera; device profiles set these.',
      properties: {
        autoBackends: {
          type: 'array',
          items: { enum: cameraBackends },
          minItems: 1,
          uniqueItems: true,
          default: ['rpicam', 'raspistill', 'v4l2'],
          description: 'Backends `source.type: auto` tries, in order: `rpicam` when rpicam-vid or rpicam-still is on PATH, `raspistill` when raspistill is, `v4l2` on the first video device when ffmpeg is, `gstreamer` (the Jetson CSI pipeline, or `source.pipeline`) when gst-launch-1.0 is. One that is present but fails to open is logged and the next is tried.',
        },
        frameWidth: { type: 'integer', minimum: 1, maximum: 16384, default: 640, description: 'Capture width in pixels when a camera does not set `source.width`.' },
        frameHeight: { type: 'integer', minimum: 1, maximum: 16384, default: 480, description: 'Capture height in pixels when a camera does not set `source.height`.' },
      },
    },
    cameras: {
      type: 'array',
      default: [],
      items: cameraSchema,
      description: 'The cameras, each with its own source, rate, change gate and models. A layer that gives `cameras` replaces the whole list.',
    },
    models: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where models are stored and pulled from.',
      properties: {
        dir: { type: 'string', minLength: 1, runtimeDefault: '`<dataDir>/models`', description: 'Directory of pulled models.' },
        mirror: { type: 'string', minLength: 1, description: 'An offline mirror directory laid out as `<id>/<file>`; preferred over network sources when set.' },
        variantPreference: {
          type: 'array',
          items: { enum: quantizations },
          minItems: 1,
          uniqueItems: true,
          default: ['none'],
          description: 'Which variant of a model to run when the store holds several, by quantization, best first (`none` is the float32 original). Applies when `inference.variantSelection` is off; with it on, variants are measured and chosen by latency instead.',
        },
      },
    },
    inference: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'ONNX Runtime session options; device profiles set these.',
      properties: {
        executionProviders: {
          type: 'array',
          items: { enum: executionProviderNames },
          minItems: 1,
          uniqueItems: true,
          default: ['cpu'],
          description: 'Execution providers to try, in order. One that fails to load is logged, counted in `edge_agent_execution_provider_fallbacks_total` and skipped.',
        },
        intraOpThreads: { type: 'integer', minimum: 0, maximum: 1024, default: 0, description: 'Threads one inference may use; 0 lets ONNX Runtime choose (one per core). At most 4 x the CPU count of the device (checked at load): more threads only cost memory. With several cameras on a 2-core device, 1 gave the same or more frames/s for about 0.8 of the CPU (docs/benchmarks.md, "Several cameras and models").' },
        graphOptimization: { enum: ['disabled', 'basic', 'extended', 'all'], default: 'all', description: 'ONNX Runtime graph optimization level.' },
        timeoutMs: {
          type: 'integer',
          minimum: 1,
          maximum: 2147483647,
          default: 30000,
          description: 'An inference with no result after this long is reported as stuck and its session is rebuilt (counted in `edge_agent_session_rebuilds_total`).',
        },
        maxRebuilds: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 3,
          description: 'After this many stuck-inference session rebuilds of one model within `rebuildWindowSeconds`, the agent stops rebuilding and asks to be restarted: `/readyz` answers 503 naming the model, systemd watchdog pings stop (systemd restarts the service), and without a watchdog (Greengrass, a shell) the agent shuts down and exits with status 1 (docs/health.md).',
        },
        rebuildWindowSeconds: {
          type: 'integer',
          minimum: 1,
          // Node timers and Date arithmetic stay exact far beyond this; a week bounds a typo.
          maximum: 604800,
          default: 600,
          description: 'The window in which `maxRebuilds` session rebuilds of one model make the agent ask to be restarted; rebuilds older than this no longer count.',
        },
        variantSelection: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Run the most accurate variant of each model (the model and the manifests `derivedFrom` it) that meets the camera\'s frame budget and `memoryBudgetBytes`, measured on this device at start and re-chosen from observed latencies (docs/variants.md).',
          properties: {
            enabled: { type: 'boolean', default: false, description: 'Measure the variants at start and switch between them; off runs each model id as configured.' },
            stepDownAfterSeconds: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 2147483,
              default: 10,
              description: 'Step down to a faster variant when the p95 latency has stayed above the frame budget this long.',
            },
            stepUpAfterSeconds: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 2147483,
              default: 60,
              description: 'Step back up when the more accurate variant\'s predicted p95 has stayed under `headroom` x budget this long (doubled each time a step up had to be undone).',
            },
            headroom: {
              type: 'number',
              exclusiveMinimum: 0,
              maximum: 1,
              default: 0.75,
              description: 'Share of the frame budget the more accurate variant must be predicted to stay under before stepping up; the gap to 1 keeps the choice from oscillating.',
            },
          },
        },
        batching: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Run the frames of several cameras that wait for the same model at the same moment as one call of a batch-dynamic copy of its graph (docs/benchmarks.md, "Batching across cameras"). Off by default: on a 2-core CPU it gained (1.04 to 1.29x frames/s) only for the small person model with 4 cameras offering more than it can run, and lost (0.76 to 0.95x) with the face model. A model whose graph cannot take a dynamic batch runs one frame at a time, with a warning.',
          properties: {
            maxBatch: { type: 'integer', minimum: 1, maximum: 16, default: 1, description: 'Most frames in one call; 1 turns batching off. Each extra frame costs one input tensor of memory.' },
            maxWaitMs: {
              type: 'integer',
              minimum: 0,
              maximum: 1000,
              default: 0,
              description: 'Longest a frame waits for others to join its batch when the model is idle; 0 takes only the frames already waiting (frames that arrive during a call always wait for it to end).',
            },
          },
        },
      },
    },
    outbox: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Limits of the SQLite outbox. When one is hit the oldest pending rows are dropped, counted by reason and recorded.',
      properties: {
        maxRows: { type: 'integer', minimum: 1, maximum: 2147483647, default: 1000000, description: 'Most pending rows kept.' },
        maxBytes: { type: 'integer', minimum: 1, maximum: 1099511627776, default: 536870912, description: 'Most payload bytes kept in pending rows.' },
        maxAgeSeconds: {
          type: ['integer', 'null'],
          minimum: 1,
          maximum: 2147483,
          default: null,
          description: 'Pending rows older than this are dropped; `null` keeps them until another limit applies.',
        },
        minFreeDiskBytes: {
          type: 'integer',
          minimum: 0,
          maximum: 1099511627776,
          default: 67108864,
          description: 'Below this much free space on the outbox\'s file system the disk counts as short: acknowledged rows are deleted at once, the WAL is checkpointed after every write, and the outbox grows only while more than `diskHeadroomBytes` stays free. 0: never short.',
        },
        diskHeadroomBytes: {
          type: 'integer',
          minimum: 0,
          maximum: 1099511627776,
          default: 2097152,
          description: 'Free space the outbox never takes once the disk is short: past it the outbox reuses free pages inside its file, then drops its oldest rows (reason `minFreeDisk`). Capped at `minFreeDiskBytes`.',
        },
        synchronous: {
          enum: ['full', 'normal'],
          default: 'full',
          description: 'SQLite `synchronous` of the outbox: `full` syncs every stored result to disk before the commit returns; `normal` is faster but a power cut can lose the last commits (docs/outbox.md, "Durability").',
        },
        retentionSeconds: { type: 'integer', minimum: 0, maximum: 2147483, default: 0, description: 'Delivered rows are kept this long for inspection; with 0 an acknowledged row stops being pending at once and is deleted when the drainer has nothing to send (docs/outbox.md).' },
        groupCommit: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Results kept within a short window are written in one transaction, off the frame\'s path; with `synchronous: full` each group is synced to disk off the event loop (docs/outbox.md, "Group commit and durability").',
          properties: {
            windowMs: { type: 'integer', minimum: 0, maximum: 10000, default: 50, description: 'Longest a kept result waits before its group is written; a power cut can lose at most this window (plus one sync). 0 writes and syncs each result before the frame goes on, as one transaction.' },
            maxRows: { type: 'integer', minimum: 1, maximum: 100000, default: 500, description: 'A group is written as soon as it holds this many results, whatever the window: the bound on memory and on what a process crash can lose.' },
          },
        },
      },
    },
    publish: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where kept results go. With `none` results stay in the outbox (an offline device).',
      properties: {
        transport: { enum: ['none', 'mqtt', 'aws-iot', 'greengrass'], default: 'none', description: 'How results leave the device.' },
        brokerUrl: {
          type: 'string',
          pattern: '^(mqtts?|wss?|tcp|ssl)://',
          description: 'Broker URL (`mqtt://host:1883`, `mqtts://host:8883`); for `aws-iot`, the account\'s endpoint. Required for `mqtt` and `aws-iot`.',
        },
        clientId: { type: 'string', minLength: 1, runtimeDefault: '`deviceId`', description: 'MQTT client id; must differ between devices on one broker, which disconnects the older session when a second client connects with the same id.' },
        thingName: { type: 'string', minLength: 1, runtimeDefault: '`deviceId`', description: 'Value of `{thingName}` in topic templates; the AWS IoT thing name.' },
        tls: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Certificate files (PEM paths). `aws-iot` needs `cert` and `key`.',
          properties: {
            ca: { type: 'string', minLength: 1, description: 'CA certificate file that signs the broker\'s certificate.' },
            cert: { type: 'string', minLength: 1, description: 'Client certificate file.' },
            key: { type: 'string', minLength: 1, description: 'Client private key file.' },
          },
        },
        username: { type: 'string', description: 'MQTT user name.' },
        password: { type: 'string', description: 'MQTT password; prefer `EDGE_AGENT_PUBLISH__PASSWORD` over writing it in the file.' },
        topics: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Topic templates; `{thingName}` and `{modelId}` are replaced.',
          properties: {
            results: { type: 'string', minLength: 1, default: 'edge-agent/{thingName}/results/{modelId}', description: 'Topic of result messages.' },
            status: { type: 'string', minLength: 1, default: 'edge-agent/{thingName}/status', description: 'Topic of online/offline status (retained, and the last will).' },
            heartbeat: { type: 'string', minLength: 1, default: 'edge-agent/{thingName}/heartbeat', description: 'Topic of periodic heartbeats.' },
          },
        },
        keepaliveSeconds: { type: 'integer', minimum: 0, maximum: 65535, default: 60, description: 'MQTT keepalive interval; at most 65535 (a 16-bit field of CONNECT), 0 turns it off.' },
        mqttVersion: { enum: ['5', '3.1.1'], default: '5', description: '`mqtt` transport: MQTT protocol version. 5 carries content type and user properties and per-message reason codes; use 3.1.1 for brokers without MQTT 5.' },
        heartbeatSeconds: { type: 'integer', minimum: 0, maximum: 2147483, default: 60, description: 'Publish a heartbeat (outbox depth, oldest age, frame rate, inference latency) this often while connected; 0 turns it off.' },
        maxInflight: { type: 'integer', minimum: 1, maximum: 65535, default: 20, description: 'Most result messages sent and not yet acknowledged.' },
        ratePerSecond: { type: 'number', exclusiveMinimum: 0, maximum: 100000, default: 50, description: 'Most messages published per second, so a backlog drains without flooding the link.' },
        maxAttempts: {
          type: 'integer',
          minimum: 1,
          maximum: 1000,
          default: 10,
          description: 'A result message is dead-lettered (kept in the outbox with its reason, never resent) after this many connections ended with it the oldest unanswered message; results are always published with QoS 1 (docs/publishing.md).',
        },
        reconnect: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Reconnect backoff: each failed attempt doubles the wait (jittered over its upper half) up to `maxMs`; a connection that stays up 10 s resets it. A new result never cuts a wait short.',
          properties: {
            initialMs: { type: 'integer', minimum: 100, maximum: 60000, default: 1000, description: 'Wait before the first retry; AWS IoT Core accepts 1 CONNECT per second per client id (https://docs.aws.amazon.com/general/latest/gr/iot-core.html).' },
            maxMs: { type: 'integer', minimum: 1000, maximum: 3600000, default: 300000, description: 'Longest wait between attempts (5 minutes: about 290 attempts a day against an endpoint that is down).' },
          },
        },
        offlineSummarySeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 300, description: 'While the broker cannot be reached, one log line this often sums up attempts, results kept and outbox depth (docs/publishing.md has the log volume).' },
        awsIot: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: '`aws-iot` transport: AWS IoT Core\'s per-connection quotas, enforced by the agent (https://docs.aws.amazon.com/general/latest/gr/iot-core.html).',
          properties: {
            maxPublishesPerSecond: { type: 'integer', minimum: 1, maximum: 100, default: 100, description: 'Most publishes per second on the connection (AWS IoT Core: 100 per connection).' },
            maxBytesPerSecond: { type: 'integer', minimum: 1024, maximum: 524288, default: 524288, description: 'Most payload bytes per second on the connection (AWS IoT Core: 512 KB per connection).' },
          },
        },
        batch: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Several results in one message (1 result per message turns batching off).',
          properties: {
            maxResults: { type: 'integer', minimum: 1, maximum: 10000, default: 1, description: 'Most results in one message.' },
            maxBytes: { type: 'integer', minimum: 1024, maximum: 268435455, default: 131072, description: 'Most payload bytes in one message; a single result bigger than this is sent alone. With `aws-iot` at most 131072 (AWS IoT Core refuses messages over 128 KB).' },
          },
        },
      },
    },
    health: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The HTTP health endpoint: `/healthz`, `/readyz`, `/metrics`.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Serve the health endpoint.' },
        host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address to listen on; the default keeps it off the network.' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 9464, description: 'TCP port; 0 picks a free one (tests).' },
      },
    },
    console: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'The local console (docs/console.md): a page at `/` with each camera\'s latest frame and its detections, `/api/state` and `/api/cameras/<name>/latest.jpg`. Read-only; frames stay in memory.',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'Serve the console.' },
        port: {
          type: ['integer', 'null'],
          minimum: 0,
          maximum: 65535,
          default: null,
          description: '`null` serves the console on the health server (`health.host`:`health.port`); a number serves it on its own server at `console.host` (0 picks a free port).',
        },
        host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'Address of the console\'s own server (only with `console.port` set). On any address but 127.0.0.1 or ::1 every request needs the token from `edge-agent console url`.' },
        frameIntervalMs: {
          type: 'integer',
          minimum: 100,
          // A minute bounds a typo; a slower picture is no longer a live view.
          maximum: 60000,
          default: 1000,
          description: 'While a viewer is connected, each camera\'s picture is encoded at most once per this interval (and live updates are pushed at this rate).',
        },
        maxViewers: { type: 'integer', minimum: 1, maximum: 64, default: 8, description: 'Live-update connections served at once; more are refused with 503.' },
        recentWarnings: { type: 'integer', minimum: 0, maximum: 500, default: 50, description: 'Warnings and errors the agent logged that the console keeps (in memory) to show.' },
      },
    },
  },
} as const;

/** The validated, defaulted, frozen configuration every part of the agent receives. */
export type AgentConfig = FromSchema<typeof configSchema>;
/** One camera of `cameras`. */
export type CameraConfig = AgentConfig['cameras'][number];
/** A camera's frame source. */
export type CameraSourceConfig = CameraConfig['source'];
/** One model run on a camera. */
export type CameraModelConfig = CameraConfig['models'][number];
/** The `publish` section. */
export type PublishConfig = AgentConfig['publish'];
/** The `outbox` section. */
export type OutboxConfig = AgentConfig['outbox'];
/** The `inference` section. */
export type InferenceConfig = AgentConfig['inference'];
/** The `health` section. */
export type HealthConfig = AgentConfig['health'];
/** The `console` section. */
export type ConsoleConfig = AgentConfig['console'];
/** A backend `source.type: auto` may pick. */
export type CameraBackend = (typeof cameraBackends)[number];
/** An ONNX Runtime execution provider name the config accepts. */
export type ExecutionProviderName = (typeof executionProviderNames)[number];

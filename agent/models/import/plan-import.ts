/**
 * Turns a graph summary and the flags of `models import` into a manifest, recording for every
 * field it did not get from a flag what it decided and from what. Nothing here touches the disk:
 * the command reads the file, and writes what this returns (or prints it, with --dry-run).
 */
import { basename } from 'node:path';
import { modelErrors } from '../errors.js';
import type { DecoderSpec, InputSpec, ModelManifest } from '../manifest.js';
import { readExporterMetadata, type ExporterMetadata } from './exporter-metadata.js';
import { formatDims, type GraphSummary, type TensorSummary } from './graph-summary.js';
import { layoutNames, matchLayouts, outputSpecs, type LayoutMatch, type LayoutName, type PreprocessName } from './layouts.js';
import { preprocessFields, preprocessNames } from './preprocessing.js';

/** The flags of `models import`, parsed. */
export interface ImportRequest {
  /** The file as given on the command line (named in messages and the manifest). */
  source: string;
  sha256: string;
  bytes: number;
  id?: string | undefined;
  /** Labels read from --labels, with the file they came from. */
  labels?: { names: string[]; file: string } | undefined;
  task?: 'detect' | 'classify' | 'pose' | undefined;
  layout?: LayoutName | undefined;
  /** [height, width] from --imgsz. */
  imgsz?: [number, number] | undefined;
  preprocess?: PreprocessName | undefined;
  /** The time recorded in the manifest. */
  now: Date;
}

/** The manifest to write, and what was inferred from what (one line each). */
export interface ImportPlan {
  manifest: ModelManifest;
  layout: LayoutName;
  inferred: string[];
}

const idPattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Plans the import of a model whose graph is `graph`. */
export function planImport(graph: GraphSummary, req: ImportRequest): ImportPlan {
  const meta = readExporterMetadata(graph.metadata);
  const inferred: string[] = [];
  if (meta.ultralytics || meta.names || meta.imgsz) inferred.push(`exporter metadata: ${Object.keys(graph.metadata).join(', ')}${meta.ultralytics ? ' (Ultralytics)' : ''}`);

  const image = imageInput(graph, req.source);
  const layout = image.dims[1] === 3 ? 'NCHW' : 'NHWC';
  const [hAt, wAt] = layout === 'NCHW' ? [2, 3] : [1, 2];
  const size = inputSize(image, hAt, wAt, req, meta, inferred);
  const strides = stridesOf(meta);
  if (meta.stride !== undefined) inferred.push(`strides ${strides.join('/')}: from metadata stride ${meta.stride}`);

  const match = chooseLayout(graph, meta, req, size, strides, inferred);
  const labels = chooseLabels(match, meta, req, inferred);
  const preprocess = choosePreprocess(match, meta, image, req, inferred);

  const shape = layout === 'NCHW' ? [1, 3, size[0], size[1]] : [1, size[0], size[1], 3];
  const input: InputSpec = { name: image.name, shape, layout, dtype: image.type as InputSpec['dtype'], ...preprocessFields(preprocess) };
  const id = chooseId(req, inferred);
  const decoder = decoderSpec(match);
  inferred.push(`decoder ${decoder.name}: scoreThreshold ${decoder.scoreThreshold}${decoder.nmsIou !== undefined ? `, nmsIou ${decoder.nmsIou}` : ''} (defaults of the family; per-camera thresholds override)`);
  const manifest: ModelManifest = {
    id,
    version: meta.version ?? '1.0.0',
    task: match.task,
    description: meta.description ?? `Imported from ${basename(req.source)}`,
    file: 'model.onnx',
    sha256: req.sha256,
    bytes: req.bytes,
    licence: meta.license ?? 'unknown',
    sources: [],
    input,
    outputs: outputSpecs(match),
    decoder,
    labels,
    quantization: 'none',
    imported: { source: req.source, at: req.now.toISOString(), layout: match.layout, inferred },
  };
  return { manifest, layout: match.layout, inferred };
}

function imageInput(graph: GraphSummary, source: string): TensorSummary {
  const images = graph.inputs.filter((i) => i.dims.length === 4 && (i.dims[1] === 3 || i.dims[3] === 3));
  const seen = graph.inputs.map((i) => `${i.name} ${i.type} ${formatDims(i.dims)}`).join(', ') || 'none';
  if (images.length !== 1 || graph.inputs.length !== 1) {
    throw modelErrors.EDGE_MODEL_IMPORT_INPUT(`Expected one image input of shape [1, 3, H, W] or [1, H, W, 3] in ${source} but it has ${seen}; models with extra inputs (image size, thresholds) cannot be imported as they are`, { inputs: graph.inputs });
  }
  const image = images[0] as TensorSummary;
  if (image.type !== 'float32' && image.type !== 'uint8') {
    throw modelErrors.EDGE_MODEL_IMPORT_INPUT(`Expected input ${image.name} of type float32 or uint8 in ${source} but it is ${image.type}`, { input: image.name, type: image.type });
  }
  return image;
}

function inputSize(image: TensorSummary, hAt: number, wAt: number, req: ImportRequest, meta: ExporterMetadata, inferred: string[]): [number, number] {
  const h = image.dims[hAt];
  const w = image.dims[wAt];
  if (typeof h === 'number' && typeof w === 'number') {
    if (req.imgsz && (req.imgsz[0] !== h || req.imgsz[1] !== w)) {
      throw modelErrors.EDGE_MODEL_IMPORT_INPUT(`Expected --imgsz to agree with the fixed input ${image.name} ${formatDims(image.dims)} but received ${req.imgsz.join('x')}; leave --imgsz out for a fixed-size model`, { dims: image.dims });
    }
    inferred.push(`input ${image.name} ${image.type} ${formatDims(image.dims)}: from the graph`);
    return [h, w];
  }
  if (req.imgsz) {
    inferred.push(`input size ${req.imgsz.join('x')}: from --imgsz (the graph's ${formatDims(image.dims)} is dynamic)`);
    return req.imgsz;
  }
  if (meta.imgsz) {
    inferred.push(`input size ${meta.imgsz.join('x')}: from metadata imgsz (the graph's ${formatDims(image.dims)} is dynamic)`);
    return meta.imgsz;
  }
  throw modelErrors.EDGE_MODEL_IMPORT_INPUT(`Expected a fixed input size but ${image.name} is ${formatDims(image.dims)} and the metadata has no imgsz; pass --imgsz N (or --imgsz HxW) with the size the model was exported for`, { dims: image.dims });
}

function stridesOf(meta: ExporterMetadata): number[] {
  const max = meta.stride !== undefined && meta.stride >= 8 ? meta.stride : 32;
  const out: number[] = [];
  for (let s = 8; s <= max; s *= 2) out.push(s);
  return out;
}

function chooseLayout(graph: GraphSummary, meta: ExporterMetadata, req: ImportRequest, size: [number, number], strides: number[], inferred: string[]): LayoutMatch {
  const task = req.task ?? (meta.task === 'detect' || meta.task === 'classify' || meta.task === 'pose' ? meta.task : undefined);
  const { matches, misses } = matchLayouts({ graph, meta, inputSize: size, strides }, { layout: req.layout, task });
  const seen = graph.outputs.map((o) => `${o.name} ${formatDims(o.dims)}`).join(', ');
  if (matches.length === 0) {
    const what = req.layout !== undefined ? `the layout --layout ${req.layout} names` : `a layout models import knows${task !== undefined ? ` for task ${task}` : ''}`;
    throw modelErrors.EDGE_MODEL_IMPORT_LAYOUT(
      `Expected outputs in ${what} but ${req.source} has ${seen} (input ${size.join('x')}):\n  - ${misses.join('\n  - ')}\n--layout values: ${layoutNames.join(', ')}. When none fits, re-export the model in one of these layouts (docs/models.md, "Bring your own model").`,
      { outputs: graph.outputs, layouts: layoutNames },
    );
  }
  const labels = req.labels?.names ?? meta.names;
  let candidates = matches;
  if (labels !== undefined) {
    candidates = matches.filter((m) => m.classes === undefined || m.classes === labels.length);
    if (candidates.length === 0) {
      const m = matches[0] as LayoutMatch;
      const from = req.labels ? req.labels.file : 'the metadata names';
      throw modelErrors.EDGE_MODEL_IMPORT_LABELS(
        `Expected ${m.classes} labels for layout ${m.layout} (${m.because}) but ${from} has ${labels.length}; the class count of the outputs and the labels must agree: fix the labels file given with --labels${matches.length > 1 ? `, or name the layout with --layout (${matches.map((x) => x.layout).join(', ')} fit the shape)` : ''}`,
        { expected: m.classes, actual: labels.length, layout: m.layout },
      );
    }
  }
  if (candidates.length > 1) {
    throw modelErrors.EDGE_MODEL_IMPORT_LAYOUT(
      `Expected one layout to fit ${seen} but several do:\n  - ${candidates.map((m) => `${m.layout}: ${m.because}`).join('\n  - ')}\nName it with --layout (or give the labels with --labels so their count decides).`,
      { layouts: candidates.map((m) => m.layout) },
    );
  }
  const chosen = candidates[0] as LayoutMatch;
  inferred.push(`layout ${chosen.layout}: ${req.layout !== undefined ? 'from --layout; ' : ''}${chosen.because}`);
  if (task !== undefined && req.task === undefined) inferred.push(`task ${task}: from metadata task`);
  return chosen;
}

function chooseLabels(match: LayoutMatch, meta: ExporterMetadata, req: ImportRequest, inferred: string[]): string[] {
  if (req.labels) {
    inferred.push(`labels (${req.labels.names.length}): from --labels ${req.labels.file}`);
    return req.labels.names;
  }
  if (meta.names) {
    inferred.push(`labels (${meta.names.length}): from metadata names`);
    return meta.names;
  }
  if (match.layout === 'yunet') {
    inferred.push('labels: face (YuNet detects faces only)');
    return ['face'];
  }
  const count = match.classes !== undefined ? `${match.classes} labels (${match.because})` : 'the labels (the outputs do not say how many classes there are)';
  throw modelErrors.EDGE_MODEL_IMPORT_LABELS(`Expected ${count} but the model has no names in its metadata; pass --labels FILE (one label per line, or a JSON array or {"0": "person"} object)`, { classes: match.classes });
}

function choosePreprocess(match: LayoutMatch, meta: ExporterMetadata, image: TensorSummary, req: ImportRequest, inferred: string[]): PreprocessName {
  if (req.preprocess !== undefined) {
    inferred.push(`preprocessing ${req.preprocess}: from --preprocess`);
    return req.preprocess;
  }
  const family = match.preprocess ?? (match.layout === 'ssd' && image.type === 'uint8' ? 'raw-rgb' : undefined);
  if (family === undefined) {
    const why = match.task === 'classification' ? 'a classifier without Ultralytics metadata may expect ImageNet mean/std or 0..1' : `a ${image.type} ${match.layout} model does not say how its input is scaled`;
    throw modelErrors.EDGE_MODEL_IMPORT_INPUT(`Expected to know the model's preprocessing but ${why}; pass --preprocess with one of ${preprocessNames.join(', ')}`, { layout: match.layout });
  }
  if (image.type === 'uint8' && preprocessFields(family).scale !== 1) {
    throw modelErrors.EDGE_MODEL_IMPORT_INPUT(`Expected a float32 input for ${family} preprocessing (values 0..1) but ${image.name} is uint8; pass --preprocess raw-rgb if it takes 0..255 pixels`, { input: image.name });
  }
  inferred.push(`preprocessing ${family}: ${match.preprocess !== undefined ? `what ${match.layout} exporters expect${meta.ultralytics ? ' (Ultralytics metadata)' : ''}` : 'uint8 input takes pixels as they are'}`);
  return family;
}

function chooseId(req: ImportRequest, inferred: string[]): string {
  if (req.id !== undefined) {
    if (!idPattern.test(req.id)) throw modelErrors.EDGE_MODEL_IMPORT_INPUT(`Expected --id to match ${idPattern.source} (lower case, digits, . _ -) but received "${req.id}"`, { id: req.id });
    return req.id;
  }
  const fromName = basename(req.source).replace(/\.onnx$/i, '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64);
  if (!idPattern.test(fromName)) throw modelErrors.EDGE_MODEL_IMPORT_INPUT(`Expected a model id but cannot make one from the file name ${basename(req.source)}; pass --id ID`, { source: req.source });
  inferred.push(`id ${fromName}: from the file name (pass --id to choose another)`);
  return fromName;
}

function decoderSpec(m: LayoutMatch): DecoderSpec {
  switch (m.layout) {
    case 'yolox':
      return { ...m.decoder, scoreThreshold: 0.4, nmsIou: 0.5, maxDetections: 100 };
    case 'yunet':
      return { ...m.decoder, scoreThreshold: 0.6, nmsIou: 0.3, maxDetections: 100 };
    case 'classify-logits':
    case 'classify-probabilities':
      return { ...m.decoder, scoreThreshold: 0.1, topK: 5 };
    case 'end-to-end':
    case 'end-to-end-normalized':
    case 'ssd':
      return { ...m.decoder, scoreThreshold: 0.25, maxDetections: 100 };
    default:
      return { ...m.decoder, scoreThreshold: 0.25, nmsIou: 0.45, maxDetections: 100 };
  }
}

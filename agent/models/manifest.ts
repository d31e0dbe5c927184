/**
 * A model manifest says everything the agent needs to run a model without guessing: where to
 * pull the file from and how to verify it, how to turn a frame into its input tensor, and how to
 * decode its outputs. The JSON Schema beside this file (manifest.schema.json) validates it on load.
 */

/** What the model does; decides the shape of the result record. */
export type ModelTask = 'detection' | 'classification';

/** Memory layout of the input tensor. */
export type TensorLayout = 'NCHW' | 'NHWC';

/** Channel order the model was trained on. */
export type ChannelOrder = 'RGB' | 'BGR';

/** How a frame is fitted to the input size: keep aspect and pad, or stretch. */
export type ResizeMode = 'letterbox' | 'stretch';

/** Where a letterboxed image sits inside the padded input. */
export type LetterboxAlign = 'top-left' | 'center';

/** Resampling kernel for the resize (sharp's names). */
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

/** How the model's weights are quantized. */
export type Quantization = 'none' | 'int8-qdq' | 'int8-qoperator' | 'uint8-qdq' | 'float16';

/** How to build the model's input tensor from an image. */
export interface InputSpec {
  /** Input tensor name as the ONNX graph declares it. */
  name: string;
  /** Full shape including batch, e.g. [1, 3, 192, 192]. */
  shape: number[];
  layout: TensorLayout;
  dtype: 'float32' | 'uint8';
  channelOrder: ChannelOrder;
  /** value = (pixel * scale - mean[c]) / std[c], with c in the model's channel order. */
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  resize: ResizeMode;
  align: LetterboxAlign;
  /** Pixel value (0-255) of the padding a letterbox adds. */
  padValue: number;
  kernel: ResizeKernel;
}

/** One output tensor as the graph declares it (dimensions may be -1 when dynamic). */
export interface OutputSpec {
  name: string;
  shape: number[];
}

/**
 * The decoders, one per output family: `yolo-anchor-free` (Ultralytics YOLOv8/YOLO11, boxes cx,cy,w,h
 * in input pixels without objectness), `yolov5` (YOLOv5/v7, with objectness), `end-to-end` (NMS
 * inside the model: x1,y1,x2,y2,score,class), `ssd` (boxes/scores/classes/count outputs),
 * `ultralytics-pose` (box, score and K keypoints), `yolox`, `yunet` and `softmax-topk`.
 */
export type DecoderName = 'yolox' | 'yunet' | 'softmax-topk' | 'yolo-anchor-free' | 'yolov5' | 'end-to-end' | 'ssd' | 'ultralytics-pose';

/** The output names of an SSD-style model with several outputs (TF Object Detection API). */
export interface SsdOutputs {
  /** [1, N, 4] normalized ymin, xmin, ymax, xmax. */
  boxes: string;
  /** [1, N] score of each box. */
  scores: string;
  /** [1, N] class index of each box (as a float, as TF exports it). */
  classes: string;
  /** [1] or [1, 1] number of valid rows; absent when every row is valid. */
  count?: string;
}

/** Which decoder turns the outputs into detections or classes, with its parameters. */
export interface DecoderSpec {
  name: DecoderName;
  /** Default score threshold when the caller gives none. */
  scoreThreshold: number;
  /** IoU above which a lower-scoring box of the same label is suppressed. */
  nmsIou?: number;
  /** Most detections kept after NMS (bounds the record size). */
  maxDetections?: number;
  /** Anchor strides of grid decoders, in output row order. */
  strides?: number[];
  /** For classification: how many classes to report. */
  topK?: number;
  /** For classification: apply softmax to logits first. */
  softmax?: boolean;
  /** yolo-anchor-free and ultralytics-pose: rows are anchors ([1, N, C]) instead of channels ([1, C, N], Ultralytics' own export). */
  transposed?: boolean;
  /** end-to-end: boxes are 0..1 of the input size instead of input pixels. */
  normalized?: boolean;
  /** ultralytics-pose: keypoints per object. */
  keypoints?: number;
  /** ssd: subtract this from each class value to index the labels (TF OD API classes start at 1). */
  classOffset?: number;
  /** ssd: which output is which. */
  ssdOutputs?: SsdOutputs;
}

/** Where the bytes of the calibration set came from, for a quantized variant. */
export interface CalibrationInfo {
  images: number;
  method: string;
  description: string;
}

/** A validated model manifest. */
export interface ModelManifest {
  id: string;
  version: string;
  task: ModelTask;
  description: string;
  /** File name inside the model's directory. */
  file: string;
  sha256: string;
  bytes: number;
  licence: string;
  /** Download URLs (https, http or file), tried in order. */
  sources: string[];
  input: InputSpec;
  outputs: OutputSpec[];
  decoder: DecoderSpec;
  labels: string[];
  quantization: Quantization;
  /** For a variant: the id of the model it was derived from. */
  derivedFrom?: string;
  calibration?: CalibrationInfo;
  /** For an imported model: where it came from and what `models import` inferred, and from what. */
  imported?: ImportProvenance;
}

/** What `edge-agent models import` recorded about a model it wrote. */
export interface ImportProvenance {
  /** The file imported (as given on the command line). */
  source: string;
  /** ISO time of the import. */
  at: string;
  /** The recognised output layout (a `--layout` value). */
  layout: string;
  /** One line per inferred field: what was decided and from what. */
  inferred: string[];
}

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

/** Which decoder turns the outputs into detections or classes, with its parameters. */
export interface DecoderSpec {
  name: 'yolox' | 'yunet' | 'softmax-topk';
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
}

import t from 'tap';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, DataType, graphOf } from '../../agent/quantize/onnx-model.js';
import { quantizeModel } from '../../agent/quantize/quantize-model.js';
import { sharedImage, sharedModel } from '../helpers/shared.js';
import { faceTopBox, iou, personTopBox } from './detections.js';

const calibrationImages = ['astronaut.png', 'chelsea.png', 'coffee.png', 'hopper.jpg', 'rocket.jpg'].map(sharedImage);
const personFloat = sharedModel('person-yolox-192');
const faceFloat = sharedModel('face-yunet-2023mar');
const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

t.test('person-yolox-192: int8 QDQ model is small, loads, and finds the same person', async (t) => {
  const dir = t.testdir();
  const before = await sha256(personFloat);
  const outputPath = join(dir, 'person-int8.onnx');
  const report = await quantizeModel({ inputPath: personFloat, outputPath, calibrationImages, method: 'percentile', letterbox: { padValue: 114, channelOrder: 'bgr' } });
  t.equal(await sha256(personFloat), before, 'the float model is not modified');
  t.equal((await stat(outputPath)).size, report.int8Bytes);
  t.ok(report.sizeRatio <= 0.3, `int8 file is ${(report.sizeRatio * 100).toFixed(1)}% of the float one`);
  // The stem Conv (after the Focus slices) stays float; see inputStem in qdq-plan.ts.
  t.equal(report.quantizedNodes['Conv'], 112);

  const model = decodeModel(await readFile(outputPath), outputPath);
  const graph = graphOf(model);
  const opTypes = new Set(graph.node.map((n) => n.opType));
  t.ok(opTypes.has('QuantizeLinear') && opTypes.has('DequantizeLinear'));
  const initializer = new Map(graph.initializer.map((i) => [i.name, i]));
  const floatWeights = graph.node.filter((n) => n.opType === 'Conv' && initializer.has(n.input[1]!));
  t.equal(floatWeights.length, 1, 'only the stem Conv keeps a float weight');
  const producer = new Map(graph.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
  const constantType = (name: string | undefined) => initializer.get(producer.get(name ?? '')?.input[0] ?? '')?.dataType;
  const convs = graph.node.filter((n) => n.opType === 'Conv' && !initializer.has(n.input[1]!));
  t.ok(convs.length === 112 && convs.every((c) => constantType(c.input[1]) === DataType.INT8), 'weights are int8 initializers');
  const biases = convs.filter((c) => c.input[2]).map((c) => constantType(c.input[2]));
  t.ok(biases.length > 0 && biases.every((d) => d === DataType.INT32), 'biases are int32 initializers');
  const weightDq = convs.map((c) => producer.get(c.input[1]!)!);
  t.ok(weightDq.every((n) => n.input.length === 2), 'weight DequantizeLinear has no zero point input (0 by default)');

  const floatSession = await ort.InferenceSession.create(personFloat, { intraOpNumThreads: 1 });
  const int8Session = await ort.InferenceSession.create(outputPath, { intraOpNumThreads: 1 });
  t.teardown(async () => {
    await floatSession.release();
    await int8Session.release();
  });
  const f = await personTopBox(floatSession, sharedImage('hopper.jpg'));
  const q = await personTopBox(int8Session, sharedImage('hopper.jpg'));
  t.ok(f.score > 0.9, `float finds the person in hopper.jpg (${f.score.toFixed(3)})`);
  t.ok(Math.abs(q.score - f.score) <= 0.1, `int8 top score ${q.score.toFixed(3)} within 0.1 of float ${f.score.toFixed(3)}`);
  t.ok(iou(f, q) >= 0.8, `int8 box IoU ${iou(f, q).toFixed(3)} >= 0.8`);
  const coffee = await personTopBox(int8Session, sharedImage('coffee.png'));
  t.ok(coffee.score < 0.4, `int8 finds no person in coffee.png (${coffee.score.toFixed(3)})`);
});

t.test('face-yunet-2023mar: int8 model agrees with float on the faces', async (t) => {
  const dir = t.testdir();
  const outputPath = join(dir, 'face-int8.onnx');
  const report = await quantizeModel({ inputPath: faceFloat, outputPath, calibrationImages, method: 'minmax', letterbox: { padValue: 0, channelOrder: 'bgr' } });
  // Per-channel scales and int32 biases cost 8 bytes per channel; on this 54k-parameter model
  // with many depthwise layers that alone is about 32% of the float file (see docs/quantization.md).
  t.ok(report.sizeRatio < 0.45, `int8 file is ${(report.sizeRatio * 100).toFixed(1)}% of the float one`);
  // 15 Relus follow a Conv; the one after the float stem Conv stays a float Relu.
  t.equal(report.foldedRelus, 14, 'every Relu after a quantized Conv folds into it');
  const floatSession = await ort.InferenceSession.create(faceFloat, { intraOpNumThreads: 1 });
  const int8Session = await ort.InferenceSession.create(outputPath, { intraOpNumThreads: 1 });
  t.teardown(async () => {
    await floatSession.release();
    await int8Session.release();
  });
  for (const name of ['hopper.jpg', 'astronaut.png']) {
    const f = await faceTopBox(floatSession, sharedImage(name));
    const q = await faceTopBox(int8Session, sharedImage(name));
    t.ok(f.score > 0.9, `float finds the face in ${name}`);
    t.ok(Math.abs(q.score - f.score) <= 0.05, `${name}: int8 top score ${q.score.toFixed(3)} within 0.05 of float ${f.score.toFixed(3)}`);
    t.ok(iou(f, q) >= 0.8, `${name}: int8 box IoU ${iou(f, q).toFixed(3)} >= 0.8`);
  }
});

t.test('ONNX Runtime fuses U8S8 QDQ into int8 kernels, and the QOperator model it saves loads and runs', async (t) => {
  const dir = t.testdir();
  const qdqPath = join(dir, 'person-u8.onnx');
  await quantizeModel({ inputPath: personFloat, outputPath: qdqPath, calibrationImages, method: 'minmax', activationType: 'uint8', letterbox: { padValue: 114, channelOrder: 'bgr' } });
  // 'extended' optimization applies the QDQ fusions but not the CPU layout rewrites, so the
  // saved model uses only standard and com.microsoft QLinear* ops.
  const qoperatorPath = join(dir, 'person-qoperator.onnx');
  const fusing = await ort.InferenceSession.create(qdqPath, { graphOptimizationLevel: 'extended', optimizedModelFilePath: qoperatorPath, intraOpNumThreads: 1 });
  await fusing.release();
  const saved = decodeModel(await readFile(qoperatorPath), qoperatorPath);
  const ops = new Map<string, number>();
  for (const n of graphOf(saved).node) ops.set(n.opType, (ops.get(n.opType) ?? 0) + 1);
  // The three box-regression head Convs only feed the float output tail, so they get no Q on
  // their output (rounding box offsets cost IoU) and ORT runs them as float Convs; so does the
  // stem Conv on the image.
  t.equal(ops.get('QLinearConv'), 109, 'every other Conv became QLinearConv');
  t.equal(ops.get('Conv') ?? 0, 4, 'only the stem and the three box-regression head Convs are float');
  t.ok((ops.get('QLinearSigmoid') ?? 0) > 0 && (ops.get('QLinearMul') ?? 0) > 0, 'SiLU runs as QLinearSigmoid and QLinearMul');

  const qoperator = await ort.InferenceSession.create(qoperatorPath, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
  const qdq = await ort.InferenceSession.create(qdqPath, { intraOpNumThreads: 1 });
  t.teardown(async () => {
    await qoperator.release();
    await qdq.release();
  });
  const a = await personTopBox(qoperator, sharedImage('hopper.jpg'));
  const b = await personTopBox(qdq, sharedImage('hopper.jpg'));
  t.ok(Math.abs(a.score - b.score) < 1e-3 && iou(a, b) > 0.99, 'QOperator model gives the QDQ model\'s result');
});

t.test('refusals', async (t) => {
  const dir = t.testdir();
  const base = { calibrationImages, method: 'minmax' as const, letterbox: { padValue: 114, channelOrder: 'bgr' as const } };
  await t.rejects(quantizeModel({ ...base, inputPath: personFloat, outputPath: personFloat }), { code: 'EDGE_QUANTIZE_OUTPUT_INVALID' });
  await t.rejects(quantizeModel({ ...base, inputPath: personFloat, outputPath: join(dir, 'x.onnx'), calibrationImages: [] }), { code: 'EDGE_QUANTIZE_CALIBRATION_EMPTY' });
  await t.rejects(quantizeModel({ ...base, inputPath: sharedImage('hopper.jpg'), outputPath: join(dir, 'x.onnx') }), { code: 'EDGE_QUANTIZE_MODEL_UNREADABLE' });
  await t.rejects(quantizeModel({ ...base, inputPath: personFloat, outputPath: join(dir, 'x.onnx'), calibrationImages: [sharedImage('truncated.jpg')] }), { code: 'EDGE_QUANTIZE_CALIBRATION_IMAGE' });
  const once = join(dir, 'once.onnx');
  await quantizeModel({ ...base, inputPath: personFloat, outputPath: once, calibrationImages: [sharedImage('hopper.jpg')] });
  await t.rejects(quantizeModel({ ...base, inputPath: once, outputPath: join(dir, 'twice.onnx') }), { code: 'EDGE_QUANTIZE_MODEL_UNSUPPORTED' });
});

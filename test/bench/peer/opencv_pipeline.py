#!/usr/bin/python3
"""Python + OpenCV DNN peer of the agent's per-frame path, for test/bench/peer.ts.

What it does, exactly:
  1. Reads every *.jpg in FRAMES_DIR into memory (bytes), before timing, so disk I/O is not timed
     (the agent side also starts from JPEG bytes in memory).
  2. Loads MODEL (an ONNX file) with cv2.dnn.readNetFromONNX, CPU backend and target, and sets
     cv2.setNumThreads(THREADS) (the agent side uses the same number of ONNX Runtime intra-op threads).
  3. For each frame, timed end to end:
       - decode: cv2.imdecode(..., IMREAD_COLOR) -> BGR uint8 (the model expects BGR);
       - letterbox like the agent's manifest for person-yolox-192: scale = min(W/w, H/h), resize
         with INTER_LINEAR to the scaled size, pasted top-left on a W x H canvas of value 114;
       - tensor: cv2.dnn.blobFromImage(canvas) -> float32 NCHW, pixel values 0-255 unchanged
         (scale 1, mean 0, no channel swap);
       - cv2.dnn forward;
       - YOLOX decoding as agent/postprocess/yolox-decoder.ts: rows on strides 8/16/32,
         score = objectness x best class score, kept when >= SCORE (0.4), centre
         ((dx + gx) * stride, (dy + gy) * stride), size exp(dw) * stride, exp(dh) * stride, mapped
         back to source pixels by dividing by the letterbox scale and clipping to the image;
       - NMS: cv2.dnn.NMSBoxes per class with IoU 0.5, at most 100 boxes kept.
  4. Runs WARMUP frames untimed first, then FRAMES frames (cycling through the set), and prints one
     JSON line: frames, seconds, fps, and the number of detections per distinct frame (so the
     caller can check both pipelines found the same things).

Usage: /usr/bin/python3 opencv_pipeline.py MODEL FRAMES_DIR FRAMES WARMUP THREADS [W H]
"""
import glob
import json
import os
import sys
import time

import cv2
import numpy as np

SCORE = 0.4
NMS_IOU = 0.5
MAX_DETECTIONS = 100
STRIDES = (8, 16, 32)
PAD = 114


def letterbox(img, width, height):
    h, w = img.shape[:2]
    scale = min(width / w, height / h)
    cw, ch = max(1, round(w * scale)), max(1, round(h * scale))
    canvas = np.full((height, width, 3), PAD, dtype=np.uint8)
    canvas[:ch, :cw] = cv2.resize(img, (cw, ch), interpolation=cv2.INTER_LINEAR)
    return canvas, scale


def grids(width, height):
    xs, ys, ss = [], [], []
    for s in STRIDES:
        gw, gh = width // s, height // s
        gy, gx = np.meshgrid(np.arange(gh), np.arange(gw), indexing="ij")
        xs.append(gx.reshape(-1))
        ys.append(gy.reshape(-1))
        ss.append(np.full(gw * gh, s))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ss)


def decode(out, gx, gy, stride, scale, src_w, src_h):
    rows = out.reshape(-1, out.shape[-1])
    obj = rows[:, 4]
    cls = rows[:, 5:]
    best = cls.argmax(axis=1)
    score = obj * cls[np.arange(len(rows)), best]
    keep = score >= SCORE
    if not keep.any():
        return []
    r = rows[keep]
    s = stride[keep]
    cx = (r[:, 0] + gx[keep]) * s / scale
    cy = (r[:, 1] + gy[keep]) * s / scale
    w = np.exp(r[:, 2]) * s / scale
    h = np.exp(r[:, 3]) * s / scale
    x1 = np.clip(cx - w / 2, 0, src_w)
    y1 = np.clip(cy - h / 2, 0, src_h)
    x2 = np.clip(cx + w / 2, 0, src_w)
    y2 = np.clip(cy + h / 2, 0, src_h)
    boxes = np.stack([x1, y1, x2 - x1, y2 - y1], axis=1)
    scores = score[keep]
    labels = best[keep]
    found = []
    for label in np.unique(labels):
        m = labels == label
        idx = cv2.dnn.NMSBoxes(boxes[m].tolist(), scores[m].tolist(), SCORE, NMS_IOU, top_k=MAX_DETECTIONS)
        for i in np.array(idx).reshape(-1):
            found.append((int(label), float(scores[m][i]), boxes[m][i].tolist()))
    found.sort(key=lambda d: -d[1])
    return found[:MAX_DETECTIONS]


def main():
    model, frames_dir, count, warmup, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    width = int(sys.argv[6]) if len(sys.argv) > 6 else 192
    height = int(sys.argv[7]) if len(sys.argv) > 7 else 192
    cv2.setNumThreads(threads)
    jpegs = [np.frombuffer(open(p, "rb").read(), dtype=np.uint8) for p in sorted(glob.glob(os.path.join(frames_dir, "*.jpg")))]
    net = cv2.dnn.readNetFromONNX(model)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    gx, gy, stride = grids(width, height)
    detections = [0] * len(jpegs)

    def infer(i):
        img = cv2.imdecode(jpegs[i % len(jpegs)], cv2.IMREAD_COLOR)
        canvas, scale = letterbox(img, width, height)
        net.setInput(cv2.dnn.blobFromImage(canvas))
        out = net.forward()
        found = decode(out, gx, gy, stride, scale, img.shape[1], img.shape[0])
        detections[i % len(jpegs)] = len(found)

    for i in range(warmup):
        infer(i)
    t0 = time.perf_counter()
    for i in range(count):
        infer(i)
    seconds = time.perf_counter() - t0
    print(json.dumps({"frames": count, "seconds": seconds, "fps": count / seconds, "detectionsPerFrame": detections, "opencv": cv2.__version__, "threads": threads}))


if __name__ == "__main__":
    main()

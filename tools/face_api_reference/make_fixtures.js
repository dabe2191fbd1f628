#!/usr/bin/env node
// Runs the original face-api (@vladmandic/face-api, pure-JS tfjs CPU backend)
// on face-api's demo photos and writes the golden fixtures that
// tests/vision/golden_test.cpp compares trendwatch's C++ face path against.
//
// Pixels must be the same on both sides: JPEGs are decoded with Debian's
// libjpeg-turbo `djpeg` (the library OpenCV's imread uses), crops are PNG.
//
// Usage: node make_fixtures.js [--models DIR] [--demo DIR] [--out DIR]
// Defaults are relative to the repository root (two folders up).
'use strict';

const childProcess = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { PNG } = require('pngjs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const { tf } = faceapi;
const repoRoot = path.resolve(__dirname, '..', '..');
const SIGNIFICANT_DIGITS = 7;
const SAMPLES = [1, 2, 3, 4, 5, 6].map((i) => `sample${i}.jpg`);
const MIN_CONFIDENCE = 0.5; // face-api's default, also trendwatch's
const LANDMARK_INPUT = 112; // face_landmark_68's input size
const DESCRIPTOR_INPUT = 150; // face_recognition's input size
const DESCRIPTOR_CROP_MARGIN = 1.25; // square side / max(box width, height)

function parseArgs(argv) {
  const args = {
    models: path.join(repoRoot, '.cache/face-api/package/model'),
    demo: path.join(repoRoot, '.cache/face-api/package/demo'),
    out: path.join(repoRoot, 'tests/data/golden'),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) || i + 1 >= argv.length) throw new Error(`usage: make_fixtures.js [--models DIR] [--demo DIR] [--out DIR] (bad: ${argv[i]})`);
    args[key] = path.resolve(argv[i + 1]);
  }
  return args;
}

// ---- pixels -----------------------------------------------------------------

// An RGB image: { width, height, data: Uint8Array(width*height*3) }.
function readNetpbmToken(buf, state) {
  for (;;) {
    while (state.pos < buf.length && /\s/.test(String.fromCharCode(buf[state.pos]))) state.pos++;
    if (buf[state.pos] !== 0x23) break; // '#': comment to end of line
    while (state.pos < buf.length && buf[state.pos] !== 0x0a) state.pos++;
  }
  const start = state.pos;
  while (state.pos < buf.length && !/\s/.test(String.fromCharCode(buf[state.pos]))) state.pos++;
  return buf.toString('latin1', start, state.pos);
}

function decodeJpeg(file) {
  // djpeg writes PPM (colour) or PGM (grey); both are 8-bit here.
  const buf = childProcess.execFileSync('djpeg', ['-pnm', file], { maxBuffer: 1 << 30 });
  const state = { pos: 0 };
  const magic = readNetpbmToken(buf, state);
  const width = Number(readNetpbmToken(buf, state));
  const height = Number(readNetpbmToken(buf, state));
  const maxval = Number(readNetpbmToken(buf, state));
  state.pos++; // the single whitespace byte before the raster
  if ((magic !== 'P6' && magic !== 'P5') || maxval !== 255) throw new Error(`${file}: unexpected djpeg output ${magic} ${maxval}`);
  const channels = magic === 'P6' ? 3 : 1;
  const raster = buf.subarray(state.pos, state.pos + width * height * channels);
  if (raster.length !== width * height * channels) throw new Error(`${file}: short djpeg output`);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) data[i * 3 + c] = raster[i * channels + (channels === 3 ? c : 0)];
  }
  return { width, height, data };
}

function writePng(file, img) {
  const png = new PNG({ width: img.width, height: img.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false }));
}

function readPng(file) {
  const png = PNG.sync.read(fs.readFileSync(file)); // always RGBA 8-bit after decoding
  const data = new Uint8Array(png.width * png.height * 3);
  for (let i = 0; i < png.width * png.height; i++) {
    for (let c = 0; c < 3; c++) data[i * 3 + c] = png.data[i * 4 + c];
  }
  return { width: png.width, height: png.height, data };
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
const toTensor = (img) => tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');

// A float HxWx3 tensor rounded and clamped to 8-bit pixels.
function tensorToImage(t3d) {
  const [height, width] = t3d.shape;
  const values = t3d.dataSync();
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(values[i])));
  return { width, height, data };
}

// A side x side square of img with top-left (x0, y0); outside the image is black.
function squareRegion(img, x0, y0, side) {
  const data = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    const sy = y0 + y;
    if (sy < 0 || sy >= img.height) continue;
    for (let x = 0; x < side; x++) {
      const sx = x0 + x;
      if (sx < 0 || sx >= img.width) continue;
      for (let c = 0; c < 3; c++) data[(y * side + x) * 3 + c] = img.data[(sy * img.width + sx) * 3 + c];
    }
  }
  return { width: side, height: side, data };
}

// ---- JSON -------------------------------------------------------------------

const round = (v) => Number(v.toPrecision(SIGNIFICANT_DIGITS));

// Like JSON.stringify(value, null, 2), but arrays of numbers stay on one line.
function toJson(value, indent = '') {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'number')) return `[${value.join(', ')}]`;
    return `[\n${value.map((v) => inner + toJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`);
    return `{\n${entries.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${toJson(value)}\n`);
  console.log(`wrote ${path.relative(repoRoot, file)}`);
}

const boxArray = (b) => [b.x, b.y, b.width, b.height].map(round);
const pointsArray = (points) => points.map((p) => [round(p.x), round(p.y)]);

// ---- face-api -----------------------------------------------------------------

async function detect(imageTensor) {
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: MIN_CONFIDENCE });
  return faceapi.detectAllFaces(imageTensor, options);
}

// The 112x112 input face-api's landmark net builds from a detection: the
// detection box floored and clipped (extractFaceTensors), padded to a centred
// square and resized bilinearly (NetInput.toBatchTensor), rounded to 8 bits.
async function landmarkInputCrop(imageTensor, detection) {
  const [face] = await faceapi.extractFaceTensors(imageTensor, [detection]);
  const netInput = await faceapi.toNetInput(face);
  const batch = netInput.toBatchTensor(LANDMARK_INPUT, true);
  const crop = tensorToImage(batch.squeeze([0]));
  tf.dispose([face, batch]);
  return crop;
}

// A deterministic square crop around a detection, resized to 150x150.
function descriptorCrop(img, box) {
  const side = Math.round(DESCRIPTOR_CROP_MARGIN * Math.max(box.width, box.height));
  const x0 = Math.round(box.x + box.width / 2 - side / 2);
  const y0 = Math.round(box.y + box.height / 2 - side / 2);
  const square = toTensor(squareRegion(img, x0, y0, side));
  const resized = tf.image.resizeBilinear(square, [DESCRIPTOR_INPUT, DESCRIPTOR_INPUT], false, true);
  const crop = tensorToImage(resized);
  tf.dispose([square, resized]);
  return { crop, region: [x0, y0, side] };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  await tf.setBackend('cpu');
  await tf.ready();
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(args.models);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(args.models);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(args.models);
  const djpegVersion = childProcess.spawnSync('djpeg', ['-version']).stderr.toString().trim();
  const generator = {
    script: 'tools/face_api_reference/make_fixtures.js',
    face_api: faceapi.version,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    jpeg_decoder: djpegVersion,
    significant_digits: SIGNIFICANT_DIGITS,
  };
  console.log(`face-api ${faceapi.version}, tfjs ${tf.version_core}, backend ${tf.getBackend()}, ${djpegVersion}`);
  fs.mkdirSync(args.out, { recursive: true });

  const detectorImages = [];
  const landmarkCrops = [];
  const descriptorCrops = [];
  let pipeline = null;
  for (const [sampleIndex, name] of SAMPLES.entries()) {
    const t0 = Date.now();
    const img = decodeJpeg(path.join(args.demo, name));
    const imageTensor = toTensor(img);
    const detections = await detect(imageTensor);
    detectorImages.push({
      file: name,
      width: img.width,
      height: img.height,
      rgb_sha256: sha256(img.data), // of the decoded RGB raster, row-major
      faces: detections.map((d) => ({ score: round(d.score), box: boxArray(d.box) })),
    });
    console.log(`${name}: ${img.width}x${img.height}, ${detections.length} faces, ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // Landmark net: the top face of every photo, and the second of the first two.
    const landmarkFaces = sampleIndex < 2 ? [0, 1] : [0];
    for (const faceIndex of landmarkFaces.filter((i) => i < detections.length)) {
      const file = `landmark_crops/${path.parse(name).name}_face${faceIndex}.png`;
      writePng(path.join(args.out, file), await landmarkInputCrop(imageTensor, detections[faceIndex]));
      const saved = readPng(path.join(args.out, file)); // the net sees exactly the PNG's pixels
      const savedTensor = toTensor(saved);
      const landmarks = await faceapi.nets.faceLandmark68Net.detectLandmarks(savedTensor);
      tf.dispose(savedTensor);
      landmarkCrops.push({ file, source: name, face: faceIndex, landmarks: pointsArray(landmarks.positions) });
    }

    // Descriptors: the top two faces of samples 1..5.
    if (sampleIndex < 5) {
      for (const faceIndex of [0, 1].filter((i) => i < detections.length)) {
        const file = `descriptor_crops/${path.parse(name).name}_face${faceIndex}.png`;
        const { crop, region } = descriptorCrop(img, detections[faceIndex].box);
        writePng(path.join(args.out, file), crop);
        const saved = readPng(path.join(args.out, file));
        const savedTensor = toTensor(saved);
        const descriptor = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(savedTensor);
        tf.dispose(savedTensor);
        descriptorCrops.push({ file, source: name, face: faceIndex, region, descriptor: Array.from(descriptor, round) });
      }
    }

    // Whole pipeline (detect, then landmarks on each face) on sample1.
    if (sampleIndex === 0) {
      const options = new faceapi.SsdMobilenetv1Options({ minConfidence: MIN_CONFIDENCE });
      const results = await faceapi.detectAllFaces(imageTensor, options).withFaceLandmarks();
      pipeline = {
        file: name,
        width: img.width,
        height: img.height,
        faces: results.map((r) => ({
          score: round(r.detection.score),
          box: boxArray(r.detection.box),
          landmarks: pointsArray(r.landmarks.positions),
        })),
      };
    }
    tf.dispose(imageTensor);
    console.log(`${name}: done after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  writeJson(path.join(args.out, 'detections.json'), {
    generator,
    note: 'face-api detectAllFaces(SsdMobilenetv1Options({minConfidence: 0.5})); boxes [x, y, width, height] in image pixels, in face-api order (score, highest first)',
    images: detectorImages,
  });
  writeJson(path.join(args.out, 'landmarks.json'), {
    generator,
    note: 'crops: 112x112 RGB PNGs, the landmark net input face-api builds from a detection (rounded to 8 bits); landmarks = faceLandmark68Net.detectLandmarks on exactly the PNG pixels, in crop pixels. pipeline: detectAllFaces().withFaceLandmarks() on the photo, landmarks in image pixels',
    crops: landmarkCrops,
    pipeline,
  });
  writeJson(path.join(args.out, 'descriptors.json'), {
    generator,
    note: '150x150 RGB PNG crops: square region [x0, y0, side] of the source around a face-api detection (black outside the photo), resized bilinearly; descriptor = faceRecognitionNet.computeFaceDescriptor on exactly the PNG pixels',
    crops: descriptorCrops,
  });
  console.log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

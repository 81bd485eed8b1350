// ONNX Runtime's side of the comparison: node ort.js DIR THREADS LATENCY_CALLS BATCH_CALLS
//
// For dnn.onnx and cnn.onnx in DIR (written by graphs.py), with THREADS intra-op threads,
// prints one JSON line per model: batch-1 latency p50/p99 over LATENCY_CALLS calls, the same
// for the Identity graph of the same input (the binding's own cost per call), batch-1024
// throughput over BATCH_CALLS calls, and the model's outputs for DIR/sample.f32, which the
// Go side compares with neuron's. onnxruntime-node is found through NODE_PATH.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const [dir, threadsArg, latArg, batchArg] = process.argv.slice(2);
const threads = parseInt(threadsArg, 10);
const latencyCalls = parseInt(latArg, 10);
const batchCalls = parseInt(batchArg, 10);
if (!dir || !(threads > 0) || !(latencyCalls > 0) || !(batchCalls > 0)) {
  console.error('usage: node ort.js DIR THREADS LATENCY_CALLS BATCH_CALLS');
  process.exit(2);
}

function session(file) {
  return ort.InferenceSession.create(path.join(dir, file), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// latency returns p50 and p99 in microseconds of calls on a batch of one.
async function latency(s, x) {
  for (let i = 0; i < Math.min(500, latencyCalls); i++) await s.run({ x });
  const t = new Float64Array(latencyCalls);
  for (let i = 0; i < latencyCalls; i++) {
    const a = process.hrtime.bigint();
    await s.run({ x });
    t[i] = Number(process.hrtime.bigint() - a) / 1e3;
  }
  t.sort();
  return { p50: quantile(t, 0.5), p99: quantile(t, 0.99) };
}

function randomImages(n, per) {
  const a = new Float32Array(n * per);
  for (let i = 0; i < a.length; i++) a[i] = Math.random();
  return a;
}

async function run(name, shape1) {
  const per = shape1.reduce((a, b) => a * b, 1);
  const s = await session(name + '.onnx');
  const id = await session('identity_' + name + '.onnx');

  const raw = fs.readFileSync(path.join(dir, 'sample.f32'));
  const sample = new Float32Array(raw.buffer, raw.byteOffset, raw.length / 4);
  const n = sample.length / per;
  const out = (await s.run({ x: new ort.Tensor('float32', sample, [n, ...shape1]) })).y.data;

  const x1 = new ort.Tensor('float32', randomImages(1, per), [1, ...shape1]);
  const lat = await latency(s, x1);
  const idLat = await latency(id, x1);

  const B = 1024;
  const xb = new ort.Tensor('float32', randomImages(B, per), [B, ...shape1]);
  for (let i = 0; i < Math.min(3, batchCalls); i++) await s.run({ x: xb });
  const a = process.hrtime.bigint();
  for (let i = 0; i < batchCalls; i++) await s.run({ x: xb });
  const sec = Number(process.hrtime.bigint() - a) / 1e9;

  console.log(JSON.stringify({
    model: name, threads,
    p50_us: lat.p50, p99_us: lat.p99,
    identity_p50_us: idLat.p50, identity_p99_us: idLat.p99,
    batch1024_images_per_s: batchCalls * B / sec,
    sample_outputs: Array.from(out),
  }));
}

(async () => {
  await run('dnn', [28, 28]);
  await run('cnn', [1, 28, 28]);
})().catch((e) => { console.error(e); process.exit(1); });

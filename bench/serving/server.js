// ONNX Runtime's side of the serving load test: node server.js DIR THREADS
//
// Serves dnn.onnx and cnn.onnx from DIR (written by bench/onnxruntime/graphs.py) with node's
// http server and TF Serving's predict request: POST /v1/models/dnn:predict and
// /v1/models/cnn:predict with {"instances": [...]}, answered {"predictions": [[...], ...]}, as
// neuron serve answers. The JSON work is the same as neuron's: parse the body, flatten the
// instances into one float32 array, run, write the probabilities as JSON. Each request is one
// session.run (no batching across requests). The instances of the CNN are 28×28×1 as neuron's
// model takes them; with one channel that is the same memory as ONNX's 1×28×28. Listens on
// 127.0.0.1 on a free port and prints {"port": N} on stdout. onnxruntime-node is found
// through NODE_PATH.
'use strict';
const http = require('http');
const path = require('path');
const ort = require('onnxruntime-node');

const [dir, threadsArg] = process.argv.slice(2);
const threads = parseInt(threadsArg, 10);
if (!dir || !(threads > 0)) {
  console.error('usage: node server.js DIR THREADS');
  process.exit(2);
}
const limit = 64 << 20; // neuron serve's default -max-body-bytes

function flatten(v, out) {
  if (Array.isArray(v)) {
    for (const e of v) flatten(e, out);
  } else if (typeof v === 'number') {
    out.push(v);
  } else {
    throw new Error('instances must hold numbers');
  }
}

function reply(res, code, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

async function main() {
  const opts = { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
  const models = {
    dnn: { s: await ort.InferenceSession.create(path.join(dir, 'dnn.onnx'), opts), dims: [28, 28] },
    cnn: { s: await ort.InferenceSession.create(path.join(dir, 'cnn.onnx'), opts), dims: [1, 28, 28] },
  };
  const server = http.createServer((req, res) => {
    const m = /^\/v1\/models\/(dnn|cnn):predict$/.exec(req.url);
    if (req.method !== 'POST' || !m) return reply(res, 404, { error: 'not found' });
    const chunks = [];
    let size = 0;
    req.on('data', c => {
      size += c.length;
      if (size > limit) {
        reply(res, 413, { error: 'body too large' });
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', async () => {
      if (size > limit) return;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const vals = [];
        flatten(body.instances, vals);
        const model = models[m[1]];
        const n = body.instances.length;
        if (vals.length !== n * 784) throw new Error('instances must be 28x28 images');
        const x = new ort.Tensor('float32', Float32Array.from(vals), [n, ...model.dims]);
        const y = (await model.s.run({ x })).y.data;
        const predictions = [];
        for (let i = 0; i < n; i++) predictions.push(Array.from(y.subarray(10 * i, 10 * i + 10)));
        reply(res, 200, { predictions });
      } catch (e) {
        reply(res, 400, { error: String(e.message || e) });
      }
    });
  });
  server.keepAliveTimeout = 120000;
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
}

main().catch(e => { console.error(e); process.exit(1); });

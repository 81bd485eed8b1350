// Runs an ONNX model in ONNX Runtime (onnxruntime-node) for the tests:
//   node ort_run.js MODEL.onnx INPUTS.json
// INPUTS.json maps input names to {"dims": [...], "data": [...]} (float32);
// the outputs are printed in the same form, keyed by output name.
const ort = require('onnxruntime-node');
const fs = require('fs');

(async () => {
  const [model, inFile] = process.argv.slice(2);
  const req = JSON.parse(fs.readFileSync(inFile, 'utf8'));
  const sess = await ort.InferenceSession.create(model);
  const feeds = {};
  for (const [k, v] of Object.entries(req)) {
    feeds[k] = new ort.Tensor('float32', Float32Array.from(v.data), v.dims);
  }
  const res = await sess.run(feeds);
  const out = {};
  for (const k of sess.outputNames) {
    out[k] = { dims: res[k].dims.map(Number), data: Array.from(res[k].data) };
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  process.stderr.write(String((e && e.message) || e) + '\n');
  process.exit(1);
});

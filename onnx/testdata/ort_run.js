// Runs ONNX models in ONNX Runtime (onnxruntime-node) for the tests:
//   node ort_run.js JOBS.json
// JOBS.json is a list of {"model": PATH, "inputs": {NAME: {"dims": [...],
// "data": [...]}}} (float32). The result, printed as JSON, is one entry per
// job: {"outputs": {NAME: {"dims", "data"}}} or {"error": MESSAGE}.
const ort = require('onnxruntime-node');
const fs = require('fs');

async function run(job) {
  const sess = await ort.InferenceSession.create(job.model);
  const feeds = {};
  for (const [k, v] of Object.entries(job.inputs)) {
    feeds[k] = new ort.Tensor('float32', Float32Array.from(v.data), v.dims);
  }
  const res = await sess.run(feeds);
  const out = {};
  for (const k of sess.outputNames) {
    out[k] = { dims: res[k].dims.map(Number), data: Array.from(res[k].data) };
  }
  return { outputs: out };
}

(async () => {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const results = [];
  for (const job of jobs) {
    try {
      results.push(await run(job));
    } catch (e) {
      results.push({ error: String((e && e.message) || e) });
    }
  }
  process.stdout.write(JSON.stringify(results));
})().catch((e) => {
  process.stderr.write(String((e && e.message) || e) + '\n');
  process.exit(1);
});

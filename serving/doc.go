// Package serving serves neuron models over HTTP with TensorFlow Serving's
// REST API and the KServe / Triton v2 inference protocol, so that clients
// and load balancers written for those servers work unchanged.
//
// A Server is an http.Handler: mount it in a program's own net/http server,
// or run it with ListenAndServe (the neuron serve command does). It serves
//
//	GET  /v1/models/NAME[/versions/N]            TF Serving's model status
//	GET  /v1/models/NAME[/versions/N]/metadata   its signature (serving_default)
//	POST /v1/models/NAME[/versions/N]:predict    {"instances": …} or {"inputs": …}
//	GET  /v2, /v2/health/live, /v2/health/ready  v2 server metadata and health
//	GET  /v2/models/NAME[/versions/V][/ready]    v2 model metadata and readiness
//	POST /v2/models/NAME[/versions/V]/infer      v2 inference on typed tensors
//	GET  /metrics                                Prometheus metrics
//
// and nothing else: no file is served from disk. Errors are the body both
// protocols use, {"error": "…"}, with a 4xx status naming the problem (a
// malformed body, an unknown model, input or version, a wrong shape or
// datatype, a body over Config.MaxBodyBytes) or a 500 if the model fails.
//
// Numbers: both protocols read the tokens NaN, Infinity and -Infinity as
// TF Serving's guide allows them (encoding/json does not) and write them
// the same way in responses. Inputs of the v2 protocol may have any
// numeric datatype (INT8 … UINT64, FP16, FP32, FP64; the values are
// checked against it) and are given to the model as float32; outputs are
// FP32. BOOL and BYTES tensors are refused.
//
// Models come from files through Load: package saving's .safetensors
// files, Keras's .keras and .h5 files (package kerasfile) and ONNX models
// (package onnx); RegisterFormat adds others. A model's path is a file, served as
// version 1, or a directory in TF Serving's layout, NAME/1, NAME/2, …,
// each version a subdirectory with one model file: requests without a
// version get the latest, and every loaded version is addressable.
// Reload (or Config.PollInterval) picks up new, changed and removed
// versions without dropping a request; a version that fails to load is
// logged, reported in the model's status, and leaves the versions already
// loaded serving.
//
// With Config.MaxBatchSize, concurrent requests for a version are merged
// into one Predictor call (dynamic batching): the first request of a batch
// waits at most Config.BatchTimeout for others. Each request gets its own
// rows of the batch's outputs; they equal its own unbatched answer to
// within the float32 rounding of the model's intermediate values (the
// matrix kernels sum in another order for batches of fewer than four rows,
// so some values differ in their last bits).
//
// The Server logs with log/slog: loads, failed loads, reloads, panics and
// 5xx responses at Info and Error levels, and every request at Debug.
package serving

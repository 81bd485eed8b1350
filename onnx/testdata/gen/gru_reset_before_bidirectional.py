# Writes bidirectional GRU models with linear_before_reset=0 (Keras's
# reset_after=False) and their expected outputs, for the importer's tests
# (../gru_reset_before/bidirectional_*.onnx, bidirectional.json): a GRU
# node over 6 steps, time-major, whose Y is made batch-major with the two
# directions side by side (Transpose, Reshape: Bidirectional's concat, as
# neuron's exporter writes it), and one whose Y_h is. The expected outputs
# are computed by ONNX's own reference implementation of GRU
# (onnx.backend.test.case.node.gru.GRU_Helper, the code that made the
# backend node tests' outputs), one direction at a time as it only runs
# one: the forward on the steps, the reverse on the steps reversed with
# its Y put back at the steps, as ONNX's GRU defines direction="reverse".
#   /usr/bin/python3 gru_reset_before_bidirectional.py   (Debian's python3-onnx 1.12)
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.backend.test.case.node.gru import GRU_Helper

rng = np.random.default_rng(19)
T, B, F, U = 6, 3, 4, 5
out = {}
for read in ["sequences", "last"]:
    x = rng.standard_normal((T, B, F)).astype(np.float32)
    w = (rng.standard_normal((2, 3 * U, F)) * 0.5).astype(np.float32)
    r = (rng.standard_normal((2, 3 * U, U)) * 0.5).astype(np.float32)
    b = (rng.standard_normal((2, 6 * U)) * 0.5).astype(np.float32)
    yf, hf = GRU_Helper(X=x, W=w[:1], R=r[:1], B=b[:1]).step()
    yb, hb = GRU_Helper(X=x[::-1], W=w[1:], R=r[1:], B=b[1:]).step()
    yb = yb[::-1]
    y = np.concatenate([yf, yb], axis=1)  # (T, 2, B, U)
    yh = np.concatenate([hf, hb], axis=0)  # (2, B, U)
    nodes = [helper.make_node("GRU", ["X", "W", "R", "B"], ["Y", "Y_h"] if read == "last" else ["Y"], name="bigru",
                              hidden_size=U, direction="bidirectional", linear_before_reset=0)]
    if read == "sequences":
        nodes += [helper.make_node("Transpose", ["Y"], ["Y_bm"], perm=[2, 0, 1, 3]),
                  helper.make_node("Reshape", ["Y_bm", "shape"], ["out"])]
        shape = np.array([0, T, 2 * U], np.int64)
        want = np.transpose(y, (2, 0, 1, 3)).reshape(B, T, 2 * U)
        out_info = helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", T, 2 * U])
    else:
        nodes += [helper.make_node("Transpose", ["Y_h"], ["Y_bm"], perm=[1, 0, 2]),
                  helper.make_node("Reshape", ["Y_bm", "shape"], ["out"])]
        shape = np.array([0, 2 * U], np.int64)
        want = np.transpose(yh, (1, 0, 2)).reshape(B, 2 * U)
        out_info = helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", 2 * U])
    graph = helper.make_graph(
        nodes, "bigru_" + read,
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [T, "batch", F])], [out_info],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R"), numpy_helper.from_array(b, "B"),
         numpy_helper.from_array(shape, "shape")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.checker.check_model(model)
    onnx.save(model, "../gru_reset_before/bidirectional_%s.onnx" % read)
    out[read] = {"x": x.reshape(-1).tolist(), "x_dims": list(x.shape),
                 "out": np.asarray(want, np.float32).reshape(-1).tolist(), "out_dims": list(want.shape)}
json.dump(out, open("../gru_reset_before/bidirectional.json", "w"), indent=0)

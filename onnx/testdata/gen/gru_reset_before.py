# Writes GRU models with linear_before_reset=0 (Keras's reset_after=False)
# and their expected outputs, for the importer's tests
# (../gru_reset_before/): a forward and a reverse GRU node over 6 steps
# whose Y and Y_h are both graph outputs, time-major (layout 0). The
# expected outputs are computed by ONNX's own reference implementation of
# GRU (onnx.backend.test.case.node.gru.GRU_Helper, the code that made the
# backend node tests' outputs), not by neuron; for the reverse direction
# it runs on the steps reversed and its Y is put back at the steps, as
# ONNX's GRU defines direction="reverse".
#   /usr/bin/python3 gru_reset_before.py   (Debian's python3-onnx 1.12)
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.backend.test.case.node.gru import GRU_Helper

rng = np.random.default_rng(5)
T, B, F, U = 6, 3, 4, 5
out = {}
for direction in ["forward", "reverse"]:
    x = rng.standard_normal((T, B, F)).astype(np.float32)
    w = (rng.standard_normal((1, 3 * U, F)) * 0.5).astype(np.float32)
    r = (rng.standard_normal((1, 3 * U, U)) * 0.5).astype(np.float32)
    b = (rng.standard_normal((1, 6 * U)) * 0.5).astype(np.float32)
    xs = x if direction == "forward" else x[::-1]
    y, yh = GRU_Helper(X=xs, W=w, R=r, B=b).step()
    if direction == "reverse":
        y = y[::-1]
    node = helper.make_node("GRU", ["X", "W", "R", "B"], ["Y", "Y_h"], name="gru", hidden_size=U,
                            direction=direction, linear_before_reset=0)
    graph = helper.make_graph(
        [node], "gru_" + direction,
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [T, "batch", F])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [T, 1, "batch", U]),
         helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [1, "batch", U])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(r, "R"), numpy_helper.from_array(b, "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.checker.check_model(model)
    onnx.save(model, "../gru_reset_before/%s.onnx" % direction)
    out[direction] = {"x": x.reshape(-1).tolist(), "x_dims": list(x.shape),
                      "y": np.asarray(y, np.float32).reshape(-1).tolist(), "y_dims": list(np.shape(y)),
                      "y_h": np.asarray(yh, np.float32).reshape(-1).tolist(), "y_h_dims": list(np.shape(yh))}
json.dump(out, open("../gru_reset_before/expected.json", "w"), indent=0)

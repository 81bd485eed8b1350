#!/usr/bin/python3
"""Build the ONNX graphs of the course models for the ONNX Runtime comparison.

Usage: graphs.py OUTDIR

Writes, with seeded random weights (speed does not depend on them):

  dnn.onnx        MNIST DNN: [N,28,28] -> Reshape -> Gemm 256 -> Relu -> Gemm 10 -> Softmax
  cnn.onnx        course CNN, NCHW [N,1,28,28]: 3 x (Conv 3x3 valid -> Relu -> MaxPool 2x2),
                  Flatten -> Gemm 64 -> Relu -> Gemm 10 -> Softmax
  identity_dnn.onnx, identity_cnn.onnx
                  Identity graphs with the same inputs, to measure the binding's cost per call
  dnn.weights, cnn.weights
                  the same weights as raw little-endian float32, in Keras's order and layout
                  (Dense kernel [in,out], bias; Conv2D kernel [kh,kw,cin,cout], bias), for neuron
  sample.f32      16 images in [0,1), [16,28,28] row-major, for the cross-check of the outputs

Needs Debian's python3-onnx and python3-numpy only; opset 13.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: graphs.py OUTDIR")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(16)

    def glorot(shape, fan_in, fan_out):
        # Keras's default initializer, so activations have the usual scale.
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-lim, lim, shape).astype(np.float32)

    def bias(n):
        return (0.1 * rng.standard_normal(n)).astype(np.float32)

    def save(model, name):
        onnx.checker.check_model(model)
        onnx.save(model, os.path.join(out, name))

    def write_raw(name, arrays):
        with open(os.path.join(out, name), "wb") as f:
            for a in arrays:
                f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())

    def model(nodes, name, x_shape, inits):
        g = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10] if inits else x_shape)],
            inits)
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="neuron-bench")

    # MNIST DNN 784-256-10.
    w1, b1 = glorot((784, 256), 784, 256), bias(256)
    w2, b2 = glorot((256, 10), 256, 10), bias(10)
    inits = [numpy_helper.from_array(a, n) for a, n in ((w1, "W1"), (b1, "b1"), (w2, "W2"), (b2, "b2"))]
    inits.append(numpy_helper.from_array(np.array([-1, 784], dtype=np.int64), "shape"))
    nodes = [
        helper.make_node("Reshape", ["x", "shape"], ["f"]),
        helper.make_node("Gemm", ["f", "W1", "b1"], ["h1"]),
        helper.make_node("Relu", ["h1"], ["r1"]),
        helper.make_node("Gemm", ["r1", "W2", "b2"], ["h2"]),
        helper.make_node("Softmax", ["h2"], ["y"], axis=1),
    ]
    save(model(nodes, "dnn", ["N", 28, 28], inits), "dnn.onnx")
    write_raw("dnn.weights", [w1, b1, w2, b2])

    # Course CNN; ONNX wants OIHW kernels, Keras HWIO.
    inits, nodes, keras = [], [], []
    cur, cin = "x", 1
    for i, co in enumerate([32, 64, 64]):
        k = glorot((3, 3, cin, co), 9 * cin, 9 * co)
        b = bias(co)
        keras += [k, b]
        inits += [numpy_helper.from_array(np.ascontiguousarray(k.transpose(3, 2, 0, 1)), f"cw{i}"),
                  numpy_helper.from_array(b, f"cb{i}")]
        nodes += [
            helper.make_node("Conv", [cur, f"cw{i}", f"cb{i}"], [f"c{i}"], kernel_shape=[3, 3]),
            helper.make_node("Relu", [f"c{i}"], [f"r{i}"]),
            helper.make_node("MaxPool", [f"r{i}"], [f"p{i}"], kernel_shape=[2, 2], strides=[2, 2]),
        ]
        cur, cin = f"p{i}", co
    # The last pooling leaves 1x1x64, so NCHW and NHWC flatten alike.
    d1, e1 = glorot((64, 64), 64, 64), bias(64)
    d2, e2 = glorot((64, 10), 64, 10), bias(10)
    keras += [d1, e1, d2, e2]
    inits += [numpy_helper.from_array(a, n) for a, n in ((d1, "W1"), (e1, "b1"), (d2, "W2"), (e2, "b2"))]
    nodes += [
        helper.make_node("Flatten", [cur], ["f"], axis=1),
        helper.make_node("Gemm", ["f", "W1", "b1"], ["h1"]),
        helper.make_node("Relu", ["h1"], ["q1"]),
        helper.make_node("Gemm", ["q1", "W2", "b2"], ["h2"]),
        helper.make_node("Softmax", ["h2"], ["y"], axis=1),
    ]
    save(model(nodes, "cnn", ["N", 1, 28, 28], inits), "cnn.onnx")
    write_raw("cnn.weights", keras)

    for name, shape in (("identity_dnn.onnx", ["N", 28, 28]), ("identity_cnn.onnx", ["N", 1, 28, 28])):
        save(model([helper.make_node("Identity", ["x"], ["y"])], "identity", shape, []), name)

    write_raw("sample.f32", [rng.random((16, 28, 28), dtype=np.float32)])


if __name__ == "__main__":
    main()

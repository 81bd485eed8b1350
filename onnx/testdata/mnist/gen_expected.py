# Computes the expected outputs of model.onnx (CNTK's MNIST CNN from the
# ONNX model zoo) on its shipped test_data_*.npz with PyTorch, from the
# weights as the onnx Python package reads them. The graph (opset 1):
# Conv 5x5 SAME_UPPER + bias, ReLU, MaxPool 2x2/2, Conv 5x5 SAME_UPPER +
# bias, ReLU, MaxPool 3x3/3, reshape (1, 256), MatMul, + bias.
#   /usr/bin/python3 gen_expected.py > expected.json
import json
import numpy as np
import onnx
import onnx.numpy_helper as nh
import torch
import torch.nn.functional as F

m = onnx.load("model.onnx")
w = {}
for n in m.graph.node:
    if n.op_type == "Constant":
        w[n.output[0]] = torch.from_numpy(nh.to_array(n.attribute[0].t).copy())
out = []
for i in range(3):
    d = np.load("test_data_%d.npz" % i, encoding="bytes", allow_pickle=False)
    x = torch.from_numpy(d["inputs"].astype(np.float32).reshape(1, 1, 28, 28))
    h = F.conv2d(x, w["Parameter5"], padding=2) + w["Parameter6"].reshape(1, 8, 1, 1)
    h = F.max_pool2d(F.relu(h), 2, 2)
    h = F.conv2d(h, w["Parameter87"], padding=2) + w["Parameter88"].reshape(1, 16, 1, 1)
    h = F.max_pool2d(F.relu(h), 3, 3)
    y = h.reshape(1, 256) @ w["Parameter193"].reshape(256, 10) + w["Parameter194"]
    out.append({"input": [int(v) for v in d["inputs"].reshape(-1)], "logits": [float(v) for v in y.reshape(-1)], "label": int(np.argmax(d["outputs"]))})
print(json.dumps(out))

# Exports small batch-first recurrent models with PyTorch's ONNX exporter
# (torch.onnx.export, TorchScript-based) and records PyTorch's outputs on
# fixed inputs, for the importer's tests: a real exporter's LSTM/GRU
# graphs (PyTorch's gate order converted by PyTorch) and outputs computed
# by PyTorch, not by neuron.
#   /usr/bin/python3 gen.py
import json
import torch

torch.manual_seed(0)


class Seq(torch.nn.Module):
    def __init__(self, cell, bidirectional, last):
        super().__init__()
        self.rnn = cell(4, 3, batch_first=True, bidirectional=bidirectional)
        self.last = last

    def forward(self, x):
        y, _ = self.rnn(x)
        return y[:, -1] if self.last else y


cases = {
    "lstm": Seq(torch.nn.LSTM, False, False),
    "gru": Seq(torch.nn.GRU, False, False),
    "bilstm": Seq(torch.nn.LSTM, True, False),
}
out = {}
x = torch.randn(2, 5, 4)
for name, m in cases.items():
    m.eval()
    with torch.no_grad():
        y = m(x)
    torch.onnx.export(m, (x,), name + ".onnx", input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, opset_version=14)
    out[name] = {"dims": list(y.shape), "y": [float(v) for v in y.reshape(-1)]}
json.dump({"x": [float(v) for v in x.reshape(-1)], "x_dims": list(x.shape), "cases": out}, open("expected.json", "w"))
print(torch.__version__)

# Exports more small models with PyTorch's ONNX exporter (torch.onnx.export,
# TorchScript-based, opset 14) and records PyTorch's outputs on fixed
# inputs, for the importer's tests (more.json): time-major LSTM/GRU
# (batch_first=False, the exporter's layout=0 graphs taking
# [steps, batch, features]), bidirectional LSTM/GRU whose two directions
# are summed, multiplied or averaged, nn.GELU (written out by the exporter
# as x*0.5*(1+Erf(x/sqrt2))) and pooling with ceil_mode=True. The
# outputs are PyTorch's, not neuron's.
#   /usr/bin/python3 gen_more.py
import json
import torch

torch.manual_seed(1)


class TimeMajor(torch.nn.Module):
    def __init__(self, cell, bidirectional, state):
        super().__init__()
        self.rnn = cell(4, 3, bidirectional=bidirectional)
        self.state = state

    def forward(self, x):
        y, h = self.rnn(x)
        if self.state:
            return h[0] if isinstance(h, tuple) else h
        return y


class Merged(torch.nn.Module):
    """A bidirectional layer whose directions are merged as Keras's
    Bidirectional merge_mode: sum, mul or ave."""

    def __init__(self, cell, mode, batch_first=True, last=False):
        super().__init__()
        self.rnn = cell(4, 3, batch_first=batch_first, bidirectional=True)
        self.mode, self.last = mode, last

    def forward(self, x):
        y, h = self.rnn(x)
        if self.last:
            # The last states of the two directions, h_n[0] and h_n[1].
            h = h[0] if isinstance(h, tuple) else h
            a, b = h[0], h[1]
        else:
            a, b = y[..., :3], y[..., 3:]
        if self.mode == "sum":
            return a + b
        if self.mode == "mul":
            return a * b
        return (a + b) / 2


class Gelu(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(4, 5)
        self.gelu = torch.nn.GELU()

    def forward(self, x):
        return self.gelu(self.dense(x))


class Pool(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.max = torch.nn.MaxPool2d(3, 2, ceil_mode=True)
        self.avg = torch.nn.AvgPool2d(2, 2, ceil_mode=True)

    def forward(self, x):
        return self.avg(self.max(x))


seq = lambda: torch.randn(5, 2, 4)  # time-major
batch = lambda: torch.randn(2, 5, 4)
cases = {
    # name: (module, input, the batch axis of the input and of the output)
    "lstm_time_major": (TimeMajor(torch.nn.LSTM, False, False), seq(), 1, 1),
    "gru_time_major_state": (TimeMajor(torch.nn.GRU, False, True), seq(), 1, 1),
    "bigru_time_major": (TimeMajor(torch.nn.GRU, True, False), seq(), 1, 1),
    "bilstm_sum": (Merged(torch.nn.LSTM, "sum"), batch(), 0, 0),
    "bilstm_mul": (Merged(torch.nn.LSTM, "mul"), batch(), 0, 0),
    "bigru_ave": (Merged(torch.nn.GRU, "ave"), batch(), 0, 0),
    "bilstm_time_major_sum": (Merged(torch.nn.LSTM, "sum", batch_first=False), seq(), 1, 1),
    "bigru_state_sum": (Merged(torch.nn.GRU, "sum", last=True), batch(), 0, 0),
    "gelu": (Gelu(), torch.randn(3, 4), 0, 0),
    "pool_ceil": (Pool(), torch.randn(2, 3, 6, 6), 0, 0),
}
out = {}
for name, (m, x, xb, yb) in cases.items():
    m.eval()
    with torch.no_grad():
        y = m(x)
    dyn_x = {"x": {xb: "batch"}, "y": {yb: "batch"}}
    torch.onnx.export(m, (x,), name + ".onnx", input_names=["x"], output_names=["y"],
                      dynamic_axes=dyn_x, opset_version=14)
    out[name] = {"x": [float(v) for v in x.reshape(-1)], "x_dims": list(x.shape), "x_batch_axis": xb,
                 "y": [float(v) for v in y.reshape(-1)], "y_dims": list(y.shape), "y_batch_axis": yb}
json.dump(out, open("more.json", "w"), indent=0)
print(torch.__version__)

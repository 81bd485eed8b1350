# Exports small recurrent models with PyTorch's ONNX exporter
# (torch.onnx.export, TorchScript-based, opset 14) whose graphs read a
# recurrent node the way Keras's return_state and Bidirectional merge
# modes do, and records PyTorch's outputs on fixed inputs (reduce.json):
# batch-first LSTM/GRU whose output sequence and last states (Y with Y_h,
# and Y_c) are all model outputs, and bidirectional LSTM/GRU whose last
# states h_n are summed or averaged over the directions axis
# (h_n.sum(0), h_n.mean(0): ReduceSum/ReduceMean of Y_h). The outputs
# are PyTorch's, not neuron's.
#   /usr/bin/python3 gen_reduce.py
import json
import torch

torch.manual_seed(2)


class States(torch.nn.Module):
    """The output sequence and the last states, as Keras's
    return_sequences=True, return_state=True."""

    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(4, 3, batch_first=True)

    def forward(self, x):
        y, h = self.rnn(x)
        if isinstance(h, tuple):
            return (y,) + h
        return y, h


class Reduced(torch.nn.Module):
    """The last states of a bidirectional layer reduced over the
    directions axis."""

    def __init__(self, cell, mode):
        super().__init__()
        self.rnn = cell(4, 3, batch_first=True, bidirectional=True)
        self.mode = mode

    def forward(self, x):
        _, h = self.rnn(x)
        h = h[0] if isinstance(h, tuple) else h
        return h.sum(0) if self.mode == "sum" else h.mean(0)


batch = lambda: torch.randn(2, 5, 4)
cases = {
    # name: (module, input, output names, the batch axis of each output)
    "lstm_states": (States(torch.nn.LSTM), batch(), ["y", "h", "c"], [0, 1, 1]),
    "gru_states": (States(torch.nn.GRU), batch(), ["y", "h"], [0, 1]),
    "bilstm_state_reduce_sum": (Reduced(torch.nn.LSTM, "sum"), batch(), ["y"], [0]),
    "bigru_state_reduce_mean": (Reduced(torch.nn.GRU, "mean"), batch(), ["y"], [0]),
}
out = {}
for name, (m, x, names, axes) in cases.items():
    m.eval()
    with torch.no_grad():
        ys = m(x)
    if isinstance(ys, torch.Tensor):
        ys = (ys,)
    dyn = {"x": {0: "batch"}}
    for n, a in zip(names, axes):
        dyn[n] = {a: "batch"}
    torch.onnx.export(m, (x,), name + ".onnx", input_names=["x"], output_names=names,
                      dynamic_axes=dyn, opset_version=14)
    out[name] = {"x": [float(v) for v in x.reshape(-1)], "x_dims": list(x.shape),
                 "outputs": [{"name": n, "y": [float(v) for v in y.reshape(-1)], "dims": list(y.shape), "batch_axis": a}
                             for n, y, a in zip(names, ys, axes)]}
json.dump(out, open("reduce.json", "w"), indent=0)
print(torch.__version__)

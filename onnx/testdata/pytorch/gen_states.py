# Exports bidirectional LSTM/GRU models with PyTorch's ONNX exporter
# (torch.onnx.export, TorchScript-based, opset 14) whose graphs read both
# the output sequence Y and the last states Y_h (and Y_c) of a
# bidirectional node, as Keras's Bidirectional with return_state, and
# records PyTorch's outputs on fixed inputs (states.json): the states read
# whole (h_n, c_n: (directions, batch, units)), one direction at a time
# (h_n[0], h_n[1]: a Gather), and summed over the directions with the
# output's directions summed too (Keras's merge_mode="sum"). The outputs
# are PyTorch's, not neuron's.
#   /usr/bin/python3 gen_states.py
import json
import torch

torch.manual_seed(3)


class Whole(torch.nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(4, 3, batch_first=True, bidirectional=True)

    def forward(self, x):
        y, h = self.rnn(x)
        if isinstance(h, tuple):
            return (y,) + h
        return y, h


class Directions(torch.nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(4, 3, batch_first=True, bidirectional=True)

    def forward(self, x):
        y, h = self.rnn(x)
        h = h[0] if isinstance(h, tuple) else h
        return y, h[0], h[1]


class Summed(torch.nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.rnn = cell(4, 3, batch_first=True, bidirectional=True)

    def forward(self, x):
        y, h = self.rnn(x)
        h = h[0] if isinstance(h, tuple) else h
        return y[..., :3] + y[..., 3:], h.sum(0)


batch = lambda: torch.randn(2, 5, 4)
cases = {
    # name: (module, input, output names, the batch axis of each output)
    "bilstm_states": (Whole(torch.nn.LSTM), batch(), ["y", "h", "c"], [0, 1, 1]),
    "bigru_states": (Whole(torch.nn.GRU), batch(), ["y", "h"], [0, 1]),
    "bigru_state_directions": (Directions(torch.nn.GRU), batch(), ["y", "forward_h", "backward_h"], [0, 0, 0]),
    "bilstm_states_sum": (Summed(torch.nn.LSTM), batch(), ["y", "h"], [0, 0]),
}
out = {}
for name, (m, x, names, axes) in cases.items():
    m.eval()
    with torch.no_grad():
        ys = m(x)
    dyn = {"x": {0: "batch"}}
    for n, a in zip(names, axes):
        dyn[n] = {a: "batch"}
    torch.onnx.export(m, (x,), name + ".onnx", input_names=["x"], output_names=names,
                      dynamic_axes=dyn, opset_version=14)
    out[name] = {"x": [float(v) for v in x.reshape(-1)], "x_dims": list(x.shape),
                 "outputs": [{"name": n, "y": [float(v) for v in y.reshape(-1)], "dims": list(y.shape), "batch_axis": a}
                             for n, y, a in zip(names, ys, axes)]}
json.dump(out, open("states.json", "w"), indent=0)
print(torch.__version__)

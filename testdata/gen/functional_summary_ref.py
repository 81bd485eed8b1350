#!/usr/bin/python3
"""Writes models/testdata/functional_summary_{76,108}.golden: the summary
Keras 3 prints for the graph of functional_ref.py, rendered with rich
exactly as keras/src/utils/summary_utils.py's print_summary builds it
(columns at [0.3, 0.56, 0.74, 1.0] of line_length, show_lines=True, a
capturing console without colour). The rows are what print_summary reads
from the model: model._operations in map_graph's order (decreasing depth,
ties by first traversal from the outputs), output shapes of each layer's
last inbound node, count_params, and "Connected to" as
layer[node_index][tensor_index] over the layer's inbound nodes. Run from the
repository root."""
import rich.console
import rich.table

# name, class, output shape, params, connected to
rows = [
    ("a", "InputLayer", "(None, 3)", 0, "-"),
    ("b", "InputLayer", "(None, 2)", 0, "-"),
    ("dense", "Dense", "(None, 4)", 3 * 4 + 4, "a[0][0]"),
    ("dense_1", "Dense", "(None, 4)", 2 * 4 + 4, "b[0][0]"),
    ("sum", "Sum", "(None, 4)", 0, "dense[0][0], dense_1[0][0]"),
    ("dense_3", "Dense", "(None, 4)", 4 * 4 + 4, "sum[0][0], dense_3[0][0]"),
    ("dense_2", "Dense", "(None, 3)", 4 * 3 + 3, "sum[0][0]"),
    ("dense_4", "Dense", "(None, 1)", 4 * 1 + 1, "dense_3[1][0]"),
]


def readable_memory_size(size):
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    for unit in units:
        if size / 1024 < 1:
            return "{:.2f} {}".format(size, unit)
        size /= 1024
    return "{:.2f} {}".format(size, units[-1])


# A chain, which print_summary finds "sequential_like": three columns, the
# InputLayer listed.
chain = [
    ("input_layer", "InputLayer", "(None, 28, 28)", 0),
    ("flatten", "Flatten", "(None, 784)", 0),
    ("dense", "Dense", "(None, 256)", 784 * 256 + 256),
    ("dense_1", "Dense", "(None, 10)", 256 * 10 + 10),
]


def render(line_length, rows=rows):
    positions = [0.3, 0.56, 0.74, 1.0]
    header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    alignment = ["left", "left", "right", "left"]
    if len(rows[0]) == 4:
        positions = [0.45, 0.80, 1.0]
        header, alignment = header[:3], alignment[:3]
    widths, current = [], 0
    for pos in positions:
        w = int(pos * line_length) - current
        widths.append(w)
        current += w
    columns = [rich.table.Column(h, justify=a, width=w) for h, a, w in zip(header, alignment, widths)]
    table = rich.table.Table(*columns, width=line_length, show_lines=True)
    for name, cls, shape, params, *conn in rows:
        table.add_row(f"{name} ({cls})", shape, f"{params:,}", *conn)
    console = rich.console.Console(highlight=False, force_terminal=False, color_system=None, width=max(80, line_length + 4))
    console.begin_capture()
    console.print('Model: "functional"')
    console.print(table)
    total = sum(r[3] for r in rows)
    console.print(f" Total params: {total:,} ({readable_memory_size(total * 4)})")
    console.print(f" Trainable params: {total:,} ({readable_memory_size(total * 4)})")
    console.print(f" Non-trainable params: 0 ({readable_memory_size(0)})")
    return console.end_capture()


for width in (76, 108):
    with open(f"models/testdata/functional_summary_{width}.golden", "w") as f:
        f.write(render(width))

with open("models/testdata/functional_chain_summary_76.golden", "w") as f:
    f.write(render(76, chain))

#!/usr/bin/python3
"""Writes layers/testdata/conv_ref.json: outputs and gradients of Keras 3's
convolution layers (Conv1D, Conv2D with dilation_rate and groups,
DepthwiseConv2D, SeparableConv2D, Conv2DTranspose) on random channels-last
inputs, computed by torch.nn.functional's conv1d, conv2d (with dilation and
groups) and conv_transpose2d in float64 with autograd.

Keras's layouts are converted to torch's inside the autograd graph, so the
stored gradients are in Keras's layouts: kernels (k, c/groups, f) and
(kh, kw, c/groups, f) become torch's (f, c/groups, [kh,] kw); a depthwise
kernel (kh, kw, c, m) becomes (c*m, 1, kh, kw) with groups=c (output channel
c*m + j); a transposed kernel (kh, kw, f, c) becomes (c, f, kh, kw). Keras's
"same" padding is TensorFlow's (total = max((ceil(n/s)-1)*s + span - n, 0),
the smaller half before) and "causal" puts span-1 zeros before, applied
with F.pad since torch pads symmetrically. A transposed convolution's
output size is Keras's formula, and the output is torch's full
conv_transpose2d output shifted by TensorFlow's padding before (cropped or
padded with zeros at the end). The gradients are d/d(x, weights) of
sum(w * y) for the random w stored with each case. Run from the repository
root."""
import json
import math

import torch
import torch.nn.functional as F

torch.manual_seed(12)


def span(k, d):
    return (k - 1) * d + 1


def tf_pad(n, k, s, padding):
    """(before, after) padding of one axis, TensorFlow's rule."""
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return k - 1, 0
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def rnd(*shape):
    # float32 values, so that the Go test's inputs are exactly these.
    return (torch.rand(shape, dtype=torch.float32) * 2 - 1).double().requires_grad_()


def r(t):
    """The values of t rounded to 8 significant digits, past float32's."""
    return [float(f"{v:.8g}") for v in t.detach().flatten().tolist()]


cases = []


def case(name, layer, config, x, weights, fn):
    y = fn(x, *[w for _, w in weights])
    w = (torch.rand(y.shape, dtype=torch.float32) * 2 - 1).double()
    (y * w).sum().backward()
    config = dict(config)
    config.setdefault("activation", "linear")
    cases.append({
        "name": name, "layer": layer, "config": config, "shape": list(x.shape),
        "x": r(x), "w": r(w),
        "weights": [{"name": n, "shape": list(t.shape), "value": r(t), "grad": r(t.grad)} for n, t in weights],
        "y_shape": list(y.shape), "y": r(y), "dx": r(x.grad),
    })


def act(config, y):
    return torch.relu(y) if config.get("activation") == "relu" else y


def conv1d(n, l, c, k, f, stride=1, dilation=1, groups=1, padding="valid", bias=True, activation="linear"):
    config = {"filters": f, "kernel_size": [k], "strides": [stride], "padding": padding,
              "dilation_rate": [dilation], "groups": groups, "use_bias": bias, "activation": activation}
    x = rnd(n, l, c)
    weights = [("kernel", rnd(k, c // groups, f))] + ([("bias", rnd(f))] if bias else [])

    def fn(x, kernel, b=None):
        before, after = tf_pad(l, span(k, dilation), stride, padding)
        xt = F.pad(x.permute(0, 2, 1), (before, after))
        y = F.conv1d(xt, kernel.permute(2, 1, 0), b, stride=stride, dilation=dilation, groups=groups)
        return act(config, y.permute(0, 2, 1))
    name = f"conv1d k{k} s{stride} d{dilation} g{groups} {padding}"
    case(name, "Conv1D", config, x, weights, fn)


def conv2d(n, h, w, c, k, f, strides=(1, 1), dilation=(1, 1), groups=1, padding="valid", bias=True):
    config = {"filters": f, "kernel_size": list(k), "strides": list(strides), "padding": padding,
              "dilation_rate": list(dilation), "groups": groups, "use_bias": bias}
    x = rnd(n, h, w, c)
    weights = [("kernel", rnd(k[0], k[1], c // groups, f))] + ([("bias", rnd(f))] if bias else [])

    def fn(x, kernel, b=None):
        t, bo = tf_pad(h, span(k[0], dilation[0]), strides[0], padding)
        le, r = tf_pad(w, span(k[1], dilation[1]), strides[1], padding)
        xt = F.pad(x.permute(0, 3, 1, 2), (le, r, t, bo))
        y = F.conv2d(xt, kernel.permute(3, 2, 0, 1), b, stride=strides, dilation=dilation, groups=groups)
        return y.permute(0, 2, 3, 1)
    name = f"conv2d k{k} s{strides} d{dilation} g{groups} {padding}"
    case(name, "Conv2D", config, x, weights, fn)


def depthwise(n, h, w, c, k, m, strides=(1, 1), dilation=(1, 1), padding="valid", bias=True):
    config = {"depth_multiplier": m, "kernel_size": list(k), "strides": list(strides), "padding": padding,
              "dilation_rate": list(dilation), "use_bias": bias}
    x = rnd(n, h, w, c)
    weights = [("kernel", rnd(k[0], k[1], c, m))] + ([("bias", rnd(c * m))] if bias else [])

    def fn(x, kernel, b=None):
        t, bo = tf_pad(h, span(k[0], dilation[0]), strides[0], padding)
        le, r = tf_pad(w, span(k[1], dilation[1]), strides[1], padding)
        xt = F.pad(x.permute(0, 3, 1, 2), (le, r, t, bo))
        wt = kernel.permute(2, 3, 0, 1).reshape(c * m, 1, k[0], k[1])
        y = F.conv2d(xt, wt, b, stride=strides, dilation=dilation, groups=c)
        return y.permute(0, 2, 3, 1)
    name = f"depthwise k{k} m{m} s{strides} d{dilation} {padding}"
    case(name, "DepthwiseConv2D", config, x, weights, fn)


def separable(n, h, w, c, k, m, f, strides=(1, 1), dilation=(1, 1), padding="valid", bias=True):
    config = {"depth_multiplier": m, "filters": f, "kernel_size": list(k), "strides": list(strides),
              "padding": padding, "dilation_rate": list(dilation), "use_bias": bias}
    x = rnd(n, h, w, c)
    weights = [("depthwise_kernel", rnd(k[0], k[1], c, m)), ("pointwise_kernel", rnd(1, 1, c * m, f))]
    weights += [("bias", rnd(f))] if bias else []

    def fn(x, dk, pk, b=None):
        t, bo = tf_pad(h, span(k[0], dilation[0]), strides[0], padding)
        le, r = tf_pad(w, span(k[1], dilation[1]), strides[1], padding)
        xt = F.pad(x.permute(0, 3, 1, 2), (le, r, t, bo))
        wt = dk.permute(2, 3, 0, 1).reshape(c * m, 1, k[0], k[1])
        z = F.conv2d(xt, wt, None, stride=strides, dilation=dilation, groups=c)
        y = F.conv2d(z, pk.permute(3, 2, 0, 1), b)
        return y.permute(0, 2, 3, 1)
    name = f"separable k{k} m{m} f{f} s{strides} d{dilation} {padding}"
    case(name, "SeparableConv2D", config, x, weights, fn)


def transpose_size(i, k, s, d, op, padding):
    k = span(k, d)
    if padding == "valid":
        if op is None:
            op = max(k, s) - k
        return (i - 1) * s + k + op
    if op is None:
        return i * s
    return (i - 1) * s + k % 2 + op


def transpose(n, h, w, c, k, f, strides=(1, 1), dilation=(1, 1), padding="valid", output_padding=None, bias=True):
    config = {"filters": f, "kernel_size": list(k), "strides": list(strides), "padding": padding,
              "output_padding": output_padding and list(output_padding), "dilation_rate": list(dilation),
              "use_bias": bias}
    x = rnd(n, h, w, c)
    weights = [("kernel", rnd(k[0], k[1], f, c))] + ([("bias", rnd(f))] if bias else [])
    op = output_padding or (None, None)
    oh = transpose_size(h, k[0], strides[0], dilation[0], op[0], padding)
    ow = transpose_size(w, k[1], strides[1], dilation[1], op[1], padding)

    def fn(x, kernel, b=None):
        full = F.conv_transpose2d(x.permute(0, 3, 1, 2), kernel.permute(3, 2, 0, 1), None,
                                  stride=strides, dilation=dilation)
        # TensorFlow's output o is the full output's o + before, where
        # before is the padding of the convolution from (oh, ow) to (h, w).
        t = tf_pad(oh, span(k[0], dilation[0]), strides[0], padding)[0]
        le = tf_pad(ow, span(k[1], dilation[1]), strides[1], padding)[0]
        fh, fw = full.shape[2], full.shape[3]
        y = F.pad(full, (-le, ow - (fw - le), -t, oh - (fh - t)))
        assert y.shape[2:] == (oh, ow)
        if b is not None:
            y = y + b.view(1, f, 1, 1)
        return y.permute(0, 2, 3, 1)
    name = f"transpose k{k} s{strides} d{dilation} {padding} op{output_padding}"
    case(name, "Conv2DTranspose", config, x, weights, fn)


conv1d(2, 9, 3, 3, 4)
conv1d(2, 9, 4, 3, 6, padding="same", stride=2)
conv1d(2, 10, 4, 3, 4, padding="causal", dilation=2, groups=2, activation="relu")
conv1d(1, 8, 6, 2, 3, padding="causal", groups=3, bias=False)
conv1d(2, 11, 2, 4, 3, padding="same", dilation=3)

conv2d(2, 7, 6, 4, (3, 3), 6, groups=2)
conv2d(1, 8, 7, 3, (3, 2), 4, dilation=(2, 2))
conv2d(1, 8, 8, 6, (3, 3), 6, dilation=(2, 3), groups=3, padding="same", bias=False)
conv2d(1, 9, 9, 4, (3, 3), 8, strides=(2, 2), groups=4, padding="same")
conv2d(2, 6, 5, 3, (2, 2), 4, strides=(2, 1), padding="same")

depthwise(2, 6, 5, 3, (3, 3), 1)
depthwise(1, 7, 6, 4, (3, 2), 2, strides=(2, 1), padding="same")
depthwise(1, 8, 8, 3, (3, 3), 3, dilation=(2, 2), padding="same", bias=False)
depthwise(2, 6, 6, 8, (2, 2), 1, strides=(2, 2))

separable(2, 6, 5, 3, (3, 3), 1, 4)
separable(1, 7, 6, 4, (3, 3), 2, 5, strides=(2, 2), padding="same")
separable(1, 8, 8, 2, (3, 3), 1, 3, dilation=(2, 2), padding="same", bias=False)

transpose(2, 4, 3, 3, (3, 3), 2)
transpose(2, 4, 3, 3, (3, 3), 2, strides=(2, 2), padding="same")
transpose(1, 4, 3, 3, (3, 2), 4, strides=(2, 3), output_padding=(1, 2))
transpose(1, 3, 4, 2, (2, 2), 3, strides=(3, 3))
transpose(1, 4, 4, 2, (3, 3), 3, dilation=(2, 2), padding="same")
transpose(1, 4, 4, 2, (3, 3), 2, strides=(2, 2), padding="same", output_padding=(1, 0))
transpose(2, 3, 3, 4, (4, 4), 2, strides=(2, 2), padding="same", bias=False)

with open("layers/testdata/conv_ref.json", "w") as f:
    json.dump({"cases": cases}, f, separators=(",", ":"))
print(len(cases), "cases")

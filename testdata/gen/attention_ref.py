#!/usr/bin/python3
"""Writes layers/testdata/attention_ref.json: MultiHeadAttention with
Keras-layout weights (query/key/value kernels (dim, heads, key_dim), biases
(heads, key_dim), attention_output kernel (heads, value_dim, out)) computed
by Keras's einsum equations under torch autograd, checked against
torch.nn.MultiheadAttention with the weights mapped (in_proj_weight rows =
the kernels reshaped (dim, heads·key_dim) and transposed) where its shapes
allow, else against F.scaled_dot_product_attention on the projected heads;
and Keras's Attention (dot, concat) and AdditiveAttention formulas, the dot
one checked against F.scaled_dot_product_attention. Each case has the
gradients of sum(w * output) with respect to the inputs and every weight.
Run from the repository root."""
import json
import math

import torch
import torch.nn.functional as F

torch.manual_seed(13)
D = torch.float64
cases = []


def rnd(*shape, s=1.0):
    return ((torch.rand(*shape, dtype=D) * 2 - 1) * s).requires_grad_()


def sdpa(q, k, v, mask=None, scale=1.0, causal=False):
    """torch's fused scaled-dot-product attention (torch 1.13's private
    name, which scales by 1/sqrt(E) itself) at the given scale."""
    e = q.shape[-1]
    out, _ = F._scaled_dot_product_attention(q * (scale * math.sqrt(e)), k, v, mask, 0.0, False, causal)
    return out


def flat(t):
    return t.detach().flatten().tolist()


def mha_case(name, b, t, s, dq, dv_in, dk_in, heads, kd, vd, out_shape, use_bias, causal, use_mask, has_key):
    q_in = rnd(b, t, dq)
    v_in = rnd(b, s, dv_in)
    k_in = rnd(b, s, dk_in) if has_key else v_in
    out = out_shape or [dq]
    W = {"query/kernel": rnd(dq, heads, kd, s=0.5), "key/kernel": rnd(dk_in, heads, kd, s=0.5),
         "value/kernel": rnd(dv_in, heads, vd, s=0.5), "attention_output/kernel": rnd(heads, vd, *out, s=0.5)}
    if use_bias:
        W["query/bias"] = rnd(heads, kd, s=0.3)
        W["key/bias"] = rnd(heads, kd, s=0.3)
        W["value/bias"] = rnd(heads, vd, s=0.3)
        W["attention_output/bias"] = rnd(*out, s=0.3)
    order = ["query/kernel", "query/bias", "key/kernel", "key/bias", "value/kernel", "value/bias",
             "attention_output/kernel", "attention_output/bias"]
    order = [n for n in order if n in W]
    allow = torch.ones(b, t, s, dtype=torch.bool)
    if use_mask:
        allow = torch.rand(b, t, s) > 0.4
        allow[:, :, 0] = True
    if causal:
        allow = allow & torch.tril(torch.ones(t, s, dtype=torch.bool))
    # Keras's equations: "abc,cde->abde" projections, scores "aecd,abcd->acbe".
    q = torch.einsum("abc,cde->abde", q_in, W["query/kernel"])
    k = torch.einsum("abc,cde->abde", k_in, W["key/kernel"])
    v = torch.einsum("abc,cde->abde", v_in, W["value/kernel"])
    if use_bias:
        q, k, v = q + W["query/bias"], k + W["key/bias"], v + W["value/bias"]
    q = q * (1.0 / math.sqrt(kd))
    scores = torch.einsum("aecd,abcd->acbe", k, q)  # [B, H, T, S]
    m = allow[:, None]
    probs = torch.where(m, scores, torch.tensor(-1e9, dtype=D)).softmax(-1)
    probs = torch.where(m, probs, torch.tensor(0.0, dtype=D))
    ctx = torch.einsum("acbe,aecd->abcd", probs, v)  # [B, T, H, vd]
    letters = "".join("fghij"[:len(out)])
    y = torch.einsum("abcd,cd" + letters + "->ab" + letters, ctx, W["attention_output/kernel"])
    if use_bias:
        y = y + W["attention_output/bias"]
    # The peers.
    with torch.no_grad():
        sd = sdpa(q.transpose(1, 2) * math.sqrt(kd), k.transpose(1, 2), v.transpose(1, 2),
                  mask=m.expand(b, heads, t, s).contiguous(), scale=1.0 / math.sqrt(kd))
        assert torch.allclose(sd.transpose(1, 2), ctx, atol=1e-12), name + ": einsums disagree with sdpa"
        if heads * kd == dq and vd == kd and out == [dq]:
            mha = torch.nn.MultiheadAttention(dq, heads, bias=use_bias, batch_first=True, kdim=dk_in, vdim=dv_in).double()
            e = heads * kd
            if dk_in == dq and dv_in == dq:
                mha.in_proj_weight.copy_(torch.cat([W[p + "/kernel"].reshape(dq, e).t() for p in ("query", "key", "value")]))
            else:
                mha.q_proj_weight.copy_(W["query/kernel"].reshape(dq, e).t())
                mha.k_proj_weight.copy_(W["key/kernel"].reshape(dk_in, e).t())
                mha.v_proj_weight.copy_(W["value/kernel"].reshape(dv_in, e).t())
            mha.out_proj.weight.copy_(W["attention_output/kernel"].reshape(e, dq).t())
            if use_bias:
                mha.in_proj_bias.copy_(torch.cat([W[p + "/bias"].reshape(e) for p in ("query", "key", "value")]))
                mha.out_proj.bias.copy_(W["attention_output/bias"])
            am = (~allow).repeat_interleave(heads, 0)
            ref, _ = mha(q_in, k_in, v_in, attn_mask=am, need_weights=False)
            assert torch.allclose(ref, y, atol=1e-10), name + ": disagrees with nn.MultiheadAttention"
    w = torch.rand(y.shape, dtype=D) * 2 - 1
    (y * w).sum().backward()
    c = {"name": name, "layer": "MultiHeadAttention", "num_heads": heads, "key_dim": kd, "value_dim": vd,
         "output_shape": out_shape, "use_bias": use_bias, "causal": causal, "has_key": has_key,
         "query_shape": [b, t, dq], "value_shape": [b, s, dv_in], "key_shape": [b, s, dk_in],
         "query": flat(q_in), "value": flat(v_in), "key": flat(k_in),
         "mask": flat(allow.to(D)) if use_mask else None,
         "weights": [flat(W[n]) for n in order], "weight_names": order,
         "y_shape": list(y.shape), "y": flat(y), "w": flat(w), "scores": flat(probs),
         "dquery": flat(q_in.grad), "dvalue": flat(v_in.grad), "dkey": flat(k_in.grad) if has_key else None,
         "dweights": [flat(W[n].grad) for n in order]}
    cases.append(c)


def attention_case(name, layer, mode, use_scale, causal, b, t, s, d, dv, has_key):
    q_in, v_in = rnd(b, t, d), rnd(b, s, dv)
    k_in = rnd(b, s, d) if has_key else v_in
    weights, names = [], []
    if layer == "AdditiveAttention":
        if use_scale:
            scale = rnd(d)
            weights, names = [scale], ["scale"]
        else:
            scale = 1.0
        scores = (scale * torch.tanh(q_in[:, :, None, :] + k_in[:, None, :, :])).sum(-1)
    else:
        scale = rnd(1, s=0.5).detach().add_(1.0).reshape(()).requires_grad_() if use_scale else None
        if use_scale:
            weights, names = [scale], ["scale"]
        if mode == "dot":
            scores = q_in @ k_in.transpose(-2, -1)
            if use_scale:
                scores = scores * scale
        else:
            cw = torch.tensor(0.8, dtype=D, requires_grad=True)
            weights, names = weights + [cw], names + ["concat_score_weight"]
            inner = q_in[:, :, None, :] + k_in[:, None, :, :]
            if use_scale:
                inner = scale * inner
            scores = cw * torch.tanh(inner).sum(-1)
    if causal:
        keep = torch.tril(torch.ones(t, s, dtype=torch.bool))[None]
        scores = torch.where(keep, scores, scores - 1e9)
    probs = scores.softmax(-1)
    y = probs @ v_in
    if layer == "Attention" and mode == "dot":
        with torch.no_grad():
            sd = sdpa(q_in, k_in, v_in, causal=causal, scale=float(scale) if use_scale else 1.0)
            assert torch.allclose(sd, y, atol=1e-12), name + ": disagrees with sdpa"
    w = torch.rand(y.shape, dtype=D) * 2 - 1
    (y * w).sum().backward()
    cases.append({"name": name, "layer": layer, "score_mode": mode, "use_scale": use_scale, "causal": causal,
                  "has_key": has_key, "query_shape": [b, t, d], "value_shape": [b, s, dv], "key_shape": [b, s, d],
                  "query": flat(q_in), "value": flat(v_in), "key": flat(k_in),
                  "weights": [flat(x) for x in weights], "weight_names": names,
                  "y_shape": list(y.shape), "y": flat(y), "w": flat(w), "scores": flat(probs),
                  "dquery": flat(q_in.grad), "dvalue": flat(v_in.grad), "dkey": flat(k_in.grad) if has_key else None,
                  "dweights": [flat(x.grad) for x in weights]})


mha_case("self", 2, 5, 5, 8, 8, 8, 2, 4, 4, None, True, False, False, False)
mha_case("self causal no bias", 2, 6, 6, 8, 8, 8, 4, 2, 2, None, False, True, False, False)
mha_case("cross mask", 2, 4, 5, 6, 6, 6, 3, 2, 2, None, True, False, True, False)
mha_case("cross key value_dim output_shape mask causal", 2, 4, 5, 6, 7, 3, 3, 2, 5, [4], True, True, True, True)
mha_case("kdim vdim", 2, 3, 4, 6, 5, 7, 2, 3, 3, None, True, False, False, True)
attention_case("dot", "Attention", "dot", False, False, 2, 4, 5, 3, 3, False)
attention_case("dot scale causal key", "Attention", "dot", True, True, 2, 5, 5, 4, 2, True)
attention_case("concat scale", "Attention", "concat", True, False, 2, 3, 4, 3, 3, True)
attention_case("concat causal", "Attention", "concat", False, True, 2, 4, 4, 3, 2, True)
attention_case("additive", "AdditiveAttention", None, True, False, 2, 3, 4, 3, 2, True)
attention_case("additive no scale causal", "AdditiveAttention", None, False, True, 2, 4, 4, 3, 3, False)

with open("layers/testdata/attention_ref.json", "w") as f:
    json.dump({"cases": cases}, f)

#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of DeepSharp's Attention, AdditiveAttention and MultiHeadAttention.

Run from anywhere with Debian's python (torch 1.13 is installed there):

    /usr/bin/python3 tools/make_attention_fixtures.py

It writes tests/DeepSharp.Tests/Fixtures/attention.json in the format of make_fixtures.py: each case holds the
inputs (query, value, key when given, then the layer's weights in Keras' layouts), the output, an upstream
gradient and the gradient of every input, computed by PyTorch in float32. CI never runs this script.

Attention and AdditiveAttention follow Keras' definitions (written out here in torch ops):
  dot:      softmax(scale * q k^T) v
  concat:   softmax(c * sum_d tanh(scale * (q_i + k_j))) v
  additive: softmax(sum_d scale_d tanh(q_i + k_j)) v
MultiHeadAttention is torch.nn.functional.multi_head_attention_forward (what torch.nn.MultiheadAttention runs,
with separate projection weights so that query, key and value may have different sizes; the script checks the
module itself gives the same output) fed with Keras' per-head
kernels mapped to torch's layout: a kernel (features, heads, head_dim) is torch's (heads*head_dim, features)
weight transposed; the output kernel (heads, head_dim, out) is torch's out_proj weight transposed. Gradients reach
the Keras-layout leaves through that mapping. Torch needs heads*head_dim = query features = output features.

Masked cases: Keras' attention_mask (batch, Tq, Tk), true where attention may go, is torch's attn_mask negated and
repeated per head (batch*heads, Tq, Tk); use_causal_mask is torch's attn_mask = triu(ones, 1) (torch 1.13 has no
is_causal yet). The mask is a fixture input of 0/1 values; "+ 0 * mask.sum()" gives it a (zero) gradient so that the
fixture format, which records one per input, holds. No row is fully masked: torch gives NaN there, DeepSharp zeros
(tested on its own). Attention's query_mask/value_mask follow Keras: masked value steps are left out of the softmax,
the output of masked query steps is multiplied by 0.
"""
import math

import torch
import torch.nn.functional as F

from make_fixtures import Fixture


def dot(q, v, k=None, scale=None):
    k = v if k is None else k
    scores = q @ k.transpose(1, 2)
    if scale is not None:
        scores = scores * scale
    return torch.softmax(scores, dim=-1) @ v


def concat(q, v, concat_weight, scale=None):
    s = q.unsqueeze(2) + v.unsqueeze(1)
    if scale is not None:
        s = s * scale
    return torch.softmax(concat_weight * torch.tanh(s).sum(-1), dim=-1) @ v


def additive(q, v, k=None, scale=None):
    k = v if k is None else k
    h = torch.tanh(q.unsqueeze(2) + k.unsqueeze(1))
    if scale is not None:
        h = h * scale
    return torch.softmax(h.sum(-1), dim=-1) @ v


def dot_masked(q, v, k, query_mask, value_mask, causal):
    scores = q @ k.transpose(1, 2)
    allowed = (value_mask > 0.5).unsqueeze(1).expand_as(scores)
    if causal:
        allowed = allowed & torch.ones_like(scores, dtype=torch.bool).tril()
    weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
    return (weights @ v) * (query_mask > 0.5).unsqueeze(-1) + 0 * (query_mask.sum() + value_mask.sum())


def mha(heads, query, value, key, wq, wk, wv, wo, bq=None, bk=None, bv=None, bo=None, attn_mask=None):
    embed = heads * wq.shape[2]
    flat = lambda w: w.reshape(w.shape[0], -1).t()
    in_bias = None if bq is None else torch.cat([bq.reshape(-1), bk.reshape(-1), bv.reshape(-1)])
    out, _ = F.multi_head_attention_forward(
        query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1), embed, heads,
        None, in_bias, None, None, False, 0.0, wo.reshape(embed, -1).t(), bo, training=False, need_weights=False, attn_mask=attn_mask,
        use_separate_proj_weight=True, q_proj_weight=flat(wq), k_proj_weight=flat(wk), v_proj_weight=flat(wv))
    return out.transpose(0, 1)


def check_against_module(heads, query, value, key, wq, bq, wk, bk, wv, bv, wo, bo):
    """torch.nn.MultiheadAttention itself, its weights set from the Keras kernels, gives what mha() gives."""
    embed = heads * wq.shape[2]
    module = torch.nn.MultiheadAttention(embed, heads, kdim=key.shape[2], vdim=value.shape[2], batch_first=True)
    with torch.no_grad():
        module.q_proj_weight.copy_(wq.reshape(wq.shape[0], -1).t())
        module.k_proj_weight.copy_(wk.reshape(wk.shape[0], -1).t())
        module.v_proj_weight.copy_(wv.reshape(wv.shape[0], -1).t())
        module.in_proj_bias.copy_(torch.cat([bq.reshape(-1), bk.reshape(-1), bv.reshape(-1)]))
        module.out_proj.weight.copy_(wo.reshape(embed, -1).t())
        module.out_proj.bias.copy_(bo)
        expected, _ = module(query, key, value, need_weights=False)
        got = mha(heads, query, value, key, wq, wk, wv, wo, bq, bk, bv, bo)
    assert torch.allclose(expected, got, atol=1e-6), (expected - got).abs().max()


def main():
    f = Fixture("attention", 1802)
    q, v, k = f.normal(2, 3, 4), f.normal(2, 5, 6), f.normal(2, 5, 4)
    f.add("attention_dot", "attention", dot, [q, v, k])
    f.add("attention_dot_scaled", "attention", lambda q, v, k, s: dot(q, v, k, s), [q, v, k, torch.tensor(0.7)], use_scale=True)
    vk = f.normal(2, 5, 4)
    f.add("attention_concat", "attention", lambda q, v, c: concat(q, v, c), [q, vk, torch.tensor(1.3)], score_mode="concat")
    f.add("attention_concat_scaled", "attention", lambda q, v, s, c: concat(q, v, c, s), [q, vk, torch.tensor(0.6), torch.tensor(1.3)],
          score_mode="concat", use_scale=True)
    f.add("additive", "additive_attention", lambda q, v, k, s: additive(q, v, k, s), [q, v, k, f.uniform(-1, 1, 4)])
    f.add("additive_no_scale", "additive_attention", additive, [q, vk], use_scale=False)

    # Cross-attention with biases: query 8 features, value 6, key 7; 2 heads of 4.
    query, value, key = f.normal(2, 3, 8), f.normal(2, 5, 6), f.normal(2, 5, 7)
    kernels = [f.normal(8, 2, 4, scale=0.4), f.normal(7, 2, 4, scale=0.4), f.normal(6, 2, 4, scale=0.4), f.normal(2, 4, 8, scale=0.4)]
    biases = [f.normal(2, 4, scale=0.1), f.normal(2, 4, scale=0.1), f.normal(2, 4, scale=0.1), f.normal(8, scale=0.1)]
    kernels_cross = kernels
    check_against_module(2, query, value, key, kernels[0], biases[0], kernels[1], biases[1], kernels[2], biases[2], kernels[3], biases[3])
    f.add("mha_cross", "multi_head_attention",
          lambda q, v, k, wq, bq, wk, bk, wv, bv, wo, bo: mha(2, q, v, k, wq, wk, wv, wo, bq, bk, bv, bo),
          [query, value, key, kernels[0], biases[0], kernels[1], biases[1], kernels[2], biases[2], kernels[3], biases[3]],
          num_heads=2, key_dim=4, use_bias=True)

    # Self-attention without biases: [x, x], 3 heads of 2 over 6 features; x's gradient sums both uses.
    x = f.normal(2, 4, 6)
    kernels = [f.normal(6, 3, 2, scale=0.5), f.normal(6, 3, 2, scale=0.5), f.normal(6, 3, 2, scale=0.5), f.normal(3, 2, 6, scale=0.5)]
    f.add("mha_self_no_bias", "multi_head_attention",
          lambda x, wq, wk, wv, wo: mha(3, x, x, x, wq, wk, wv, wo),
          [x] + kernels, num_heads=3, key_dim=2, use_bias=False)

    # Keras' attention_mask: true where a query step may attend to a key step; no row fully masked.
    allowed = torch.tensor([[[1, 1, 0, 1, 0], [0, 1, 1, 1, 1], [1, 0, 0, 0, 0]],
                            [[1, 1, 1, 1, 1], [0, 0, 1, 0, 1], [1, 1, 0, 1, 1]]], dtype=torch.float32)
    torch_mask = lambda m: (m < 0.5).repeat_interleave(2, dim=0)  # torch: true where masked, one per (sample, head)
    f.add("mha_attention_mask", "multi_head_attention_masked",
          lambda q, v, k, m, wq, bq, wk, bk, wv, bv, wo, bo: mha(2, q, v, k, wq, wk, wv, wo, bq, bk, bv, bo, attn_mask=torch_mask(m)) + 0 * m.sum(),
          [query, value, key, allowed, kernels_cross[0], biases[0], kernels_cross[1], biases[1], kernels_cross[2], biases[2], kernels_cross[3], biases[3]],
          num_heads=2, key_dim=4, use_bias=True, masked=True)
    # use_causal_mask on self-attention: no step attends to a later one.
    causal = torch.ones(4, 4, dtype=torch.bool).triu(1)
    f.add("mha_causal", "multi_head_attention_masked",
          lambda x, wq, wk, wv, wo: mha(3, x, x, x, wq, wk, wv, wo, attn_mask=causal),
          [x] + kernels, num_heads=3, key_dim=2, use_bias=False, causal=True)
    # Both at once: the causal mask and an attention mask combine (and).
    both = torch.tensor([[[1, 1, 1, 1], [1, 0, 1, 1], [0, 1, 1, 1], [1, 1, 0, 0]],
                         [[1, 0, 0, 0], [1, 1, 1, 1], [1, 0, 1, 0], [0, 0, 0, 1]]], dtype=torch.float32)
    f.add("mha_causal_and_mask", "multi_head_attention_masked",
          lambda x, m, wq, wk, wv, wo: mha(3, x, x, x, wq, wk, wv, wo, attn_mask=(m < 0.5).repeat_interleave(3, dim=0) | causal) + 0 * m.sum(),
          [x, both] + kernels, num_heads=3, key_dim=2, use_bias=False, causal=True, masked=True)

    # Attention with query and value masks and the causal mask (value steps = query steps for causality).
    qa, va, ka = f.normal(2, 4, 3), f.normal(2, 4, 5), f.normal(2, 4, 3)
    query_mask = torch.tensor([[1, 1, 0, 1], [1, 1, 1, 1]], dtype=torch.float32)
    value_mask = torch.tensor([[1, 0, 1, 1], [1, 1, 0, 1]], dtype=torch.float32)
    f.add("attention_dot_masked_causal", "attention_masked", lambda q, v, k, qm, vm: dot_masked(q, v, k, qm, vm, True),
          [qa, va, ka, query_mask, value_mask], causal=True, masked=True)
    f.add("attention_dot_masked", "attention_masked", lambda q, v, k, qm, vm: dot_masked(q, v, k, qm, vm, False),
          [qa, va, ka, query_mask, value_mask], masked=True)
    f.write()


if __name__ == "__main__":
    main()

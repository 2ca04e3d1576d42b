#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of DeepSharp's LayerNormalization, GroupNormalization and
UnitNormalization layers.

Run from anywhere with Debian's python (torch 1.13 is installed there):

    /usr/bin/python3 tools/make_normalization_fixtures.py

It writes tests/DeepSharp.Tests/Fixtures/normalization.json in the format of make_fixtures.py: each case holds
the inputs (x, then gamma and beta when the layer has them), the output, an upstream gradient and the
gradient of every input, computed by PyTorch in float32. CI never runs this script: the JSON is committed.

Tensors are in Keras' layouts (channels last). Keras' conventions, passed explicitly to PyTorch:
  - epsilon is Keras' 1e-3 (PyTorch's default is 1e-5), added to the biased variance in both;
  - LayerNormalization over an axis that is not last: PyTorch normalizes trailing axes only, so that axis is
    moved last and back;
  - GroupNormalization groups consecutive channels, as torch's group_norm does on NCHW: inputs are permuted
    to channels first and back; groups=-1 (Keras: one group per channel) is written as the channel count;
  - UnitNormalization is x / sqrt(max(sum(x^2), 1e-12)) (Keras); F.normalize (x / max(norm, eps)) gives the
    same away from zero and serves as the reference over one axis.
"""
import torch
import torch.nn.functional as F

from make_fixtures import Fixture


def layer_norm(axes):
    def fn(x, gamma, beta):
        rank = x.dim()
        axes_ = sorted(a % rank for a in axes)
        rest = [a for a in range(rank) if a not in axes_]
        order = rest + axes_
        moved = x.permute(order)
        y = F.layer_norm(moved, [x.shape[a] for a in axes_], gamma, beta, eps=1e-3)
        return y.permute([order.index(a) for a in range(rank)])
    return fn


def group_norm(groups):
    def fn(x, gamma, beta):
        rank = x.dim()
        first = [0, rank - 1] + list(range(1, rank - 1))
        y = F.group_norm(x.permute(first), groups, gamma, beta, eps=1e-3)
        return y.permute([first.index(a) for a in range(rank)])
    return fn


def main():
    f = Fixture("normalization", 1801)

    for name, shape, axes in [
        ("layer_last_axis", (2, 3, 5), [-1]),
        ("layer_two_axes", (2, 3, 4), [1, 2]),
        ("layer_middle_axis", (2, 3, 4), [1]),
        ("layer_image_all_axes", (2, 3, 2, 4), [1, 2, 3]),
    ]:
        weight_shape = [shape[a] for a in sorted(a % len(shape) for a in axes)]
        x = f.normal(*shape, scale=2.0) + 0.5
        gamma = f.uniform(0.5, 1.5, *weight_shape)
        beta = f.normal(*weight_shape)
        f.add(name, "layer_normalization", layer_norm(axes), [x, gamma, beta], axis=axes)

    for name, shape, groups, keras_groups in [
        ("group_image", (2, 3, 3, 6), 3, 3),
        ("group_sequence", (2, 5, 4), 2, 2),
        ("group_instance", (2, 4, 4, 3), 3, -1),
        ("group_single", (2, 3, 4), 1, 1),
    ]:
        channels = shape[-1]
        x = f.normal(*shape, scale=2.0) - 0.3
        gamma = f.uniform(0.5, 1.5, channels)
        beta = f.normal(channels)
        f.add(name, "group_normalization", group_norm(groups), [x, gamma, beta], groups=keras_groups)

    x = f.normal(3, 4, 5)
    f.add("unit_last_axis", "unit_normalization", lambda x: F.normalize(x, dim=-1), [x], axis=[-1])
    f.add("unit_middle_axis", "unit_normalization", lambda x: F.normalize(x, dim=1), [f.normal(3, 4, 5)], axis=[1])
    f.add("unit_two_axes", "unit_normalization",
          lambda x: x / x.square().sum(dim=(1, 2), keepdim=True).clamp_min(1e-12).sqrt(), [f.normal(3, 4, 5)], axis=[1, 2])
    f.write()


if __name__ == "__main__":
    main()

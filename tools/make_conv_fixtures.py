#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of DeepSharp's convolution, pooling, normalization and resampling.

Run from anywhere with Debian's python (torch 1.13 is installed there):

    /usr/bin/python3 tools/make_conv_fixtures.py

It writes small JSON files into tests/DeepSharp.Tests/Fixtures/conv/, in the format of make_fixtures.py: each
case holds the inputs, the output, an upstream gradient and the gradient of every input (d/dx of
sum(output * upstream)), computed by PyTorch in float32. CI never runs this script: the JSON is committed.

Everything is stored in Keras' layouts: images NHWC, Conv2D kernels HWIO, Conv2DTranspose kernels HWOI
(height, width, filters, inChannels). PyTorch computes in NCHW/OIHW, so inputs are permuted on the way in and
outputs and gradients on the way out. Where the conventions differ, the script follows Keras and TensorFlow:
  - "same" padding puts the odd row or column of padding at the bottom/right (PyTorch pads symmetrically), so
    it is applied with an explicit F.pad before a padding-free op;
  - max pooling with "same" ignores the padding (padded with -inf here); average pooling with "same" divides
    by the pixels inside the image only (a sum pool divided by a count pool of ones);
  - a transposed convolution is the input gradient of the forward convolution (TensorFlow's
    conv2d_backprop_input), computed here with autograd and checked against conv_transpose2d where PyTorch
    can express it; output sizes follow Keras;
  - BatchNormalization's epsilon is Keras' 1e-3, and its moving statistics follow Keras: moving * momentum +
    batch * (1 - momentum) with the biased batch variance (PyTorch's running_var uses the unbiased one), so
    the expected moving values are computed here explicitly.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

from make_fixtures import Fixture, OUT, values

CONV_OUT = os.path.join(OUT, "conv")


class ConvFixture(Fixture):
    def write(self):
        lines = ["{", '  "source": "tools/make_conv_fixtures.py, torch %s",' % torch.__version__]
        lines.append('  "cases": [')
        lines.append(",\n".join("    " + json.dumps(c, separators=(",", ":")) for c in self.cases))
        lines.append("  ]")
        lines.append("}")
        path = os.path.join(CONV_OUT, self.name + ".json")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        print("%-28s %3d cases %6d bytes" % ("conv/" + self.name + ".json", len(self.cases), os.path.getsize(path)))


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def same_padding(length, window, stride, dilation):
    """Keras/TensorFlow "same": ceil(length / stride) outputs; the padding they need, the larger half after."""
    extent = (window - 1) * dilation + 1
    out = -(-length // stride)
    total = max((out - 1) * stride + extent - length, 0)
    return total // 2, total - total // 2


def pad_same(x_nchw, kernel, strides, dilation, value=0.0):
    top, bottom = same_padding(x_nchw.shape[2], kernel[0], strides[0], dilation[0])
    left, right = same_padding(x_nchw.shape[3], kernel[1], strides[1], dilation[1])
    return F.pad(x_nchw, (left, right, top, bottom), value=value)


def conv2d_keras(x, w, b, strides, padding, dilation):
    """Keras Conv2D: x NHWC, w HWIO, b (F,) or None."""
    xn = nchw(x)
    if padding == "same":
        xn = pad_same(xn, w.shape[:2], strides, dilation)
    y = F.conv2d(xn, w.permute(3, 2, 0, 1), b, stride=strides, dilation=dilation)
    return nhwc(y)


def conv2d():
    f = ConvFixture("conv2d", 1001)
    cases = [
        # name, (N, H, W, C), (kh, kw), F, strides, padding, dilation
        ("valid_one_channel", (2, 7, 7, 1), (3, 3), 4, (1, 1), "valid", (1, 1)),
        ("valid_odd_sizes", (2, 6, 7, 3), (3, 2), 5, (1, 1), "valid", (1, 1)),
        ("same_stride1", (1, 5, 5, 2), (3, 3), 3, (1, 1), "same", (1, 1)),
        ("same_even_kernel", (1, 5, 6, 2), (4, 2), 3, (1, 1), "same", (1, 1)),
        ("same_stride2_asymmetric", (2, 7, 8, 3), (3, 3), 4, (2, 2), "same", (1, 1)),
        ("valid_stride2", (1, 9, 9, 2), (3, 3), 3, (2, 2), "valid", (1, 1)),
        ("valid_dilation2", (1, 9, 8, 2), (3, 3), 3, (1, 1), "valid", (2, 2)),
        ("same_dilation2", (1, 7, 7, 2), (3, 3), 2, (1, 1), "same", (2, 2)),
        ("same_stride2_one_channel", (2, 8, 7, 1), (3, 3), 5, (2, 2), "same", (1, 1)),
        ("pointwise", (1, 4, 3, 5), (1, 1), 6, (1, 1), "valid", (1, 1)),
    ]
    for name, shape, kernel, filters, strides, padding, dilation in cases:
        x = f.normal(*shape)
        w = f.normal(kernel[0], kernel[1], shape[3], filters, scale=0.5)
        b = f.normal(filters)
        fn = lambda x_, w_, b_, s=strides, p=padding, d=dilation: conv2d_keras(x_, w_, b_, s, p, d)
        f.add(name, "conv2d", fn, [x, w, b], strides=list(strides), padding=padding, dilation=list(dilation))
    f.write()


def transpose_length(length, window, stride, dilation, padding, output_padding):
    """Keras' output length of a transposed convolution."""
    extent = (window - 1) * dilation + 1
    if output_padding is None:
        return length * stride if padding == "same" else length * stride + max(extent - stride, 0)
    pad = extent // 2 if padding == "same" else 0
    return (length - 1) * stride + extent - 2 * pad + output_padding


def conv2d_transpose_keras(x, w, b, strides, padding, dilation, output_padding):
    """Keras Conv2DTranspose: x NHWC (N, H, W, in), w (kh, kw, filters, in). The input gradient of the
    convolution from (N, L, L', filters) to (N, H, W, in) whose HWIO kernel is w, as TensorFlow defines it."""
    n, h, wd, _ = x.shape
    kh, kw, filters, _ = w.shape
    op = output_padding or (None, None)
    lh = transpose_length(h, kh, strides[0], dilation[0], padding, op[0])
    lw = transpose_length(wd, kw, strides[1], dilation[1], padding, op[1])
    z = torch.zeros(n, lh, lw, filters, requires_grad=True)
    forward = conv2d_keras(z, w, None, strides, padding, dilation)
    assert forward.shape[1:3] == (h, wd), (forward.shape, x.shape)
    (y,) = torch.autograd.grad(forward, z, grad_outputs=x, create_graph=True)
    return y + b if b is not None else y


def conv2d_transpose():
    f = ConvFixture("conv2d_transpose", 1002)
    cases = [
        # name, (N, H, W, in), (kh, kw), filters, strides, padding, dilation, output_padding
        ("valid_stride1", (2, 4, 5, 3), (3, 3), 2, (1, 1), "valid", (1, 1), None),
        ("valid_stride2", (1, 3, 4, 2), (3, 3), 3, (2, 2), "valid", (1, 1), None),
        ("same_stride2", (2, 3, 3, 2), (3, 3), 4, (2, 2), "same", (1, 1), None),
        ("same_stride2_even_kernel", (1, 4, 3, 3), (4, 4), 2, (2, 2), "same", (1, 1), None),
        ("valid_stride3_small_kernel", (1, 3, 3, 2), (2, 2), 2, (3, 3), "valid", (1, 1), None),
        ("same_output_padding", (1, 3, 4, 2), (3, 3), 3, (2, 2), "same", (1, 1), (1, 0)),
        ("valid_output_padding", (1, 3, 3, 2), (3, 3), 2, (2, 2), "valid", (1, 1), (1, 1)),
        ("valid_dilation2", (1, 4, 4, 2), (3, 3), 2, (1, 1), "valid", (2, 2), None),
    ]
    for name, shape, kernel, filters, strides, padding, dilation, output_padding in cases:
        x = f.normal(*shape)
        w = f.normal(kernel[0], kernel[1], filters, shape[3], scale=0.5)
        b = f.normal(filters)
        fn = (lambda x_, w_, b_, s=strides, p=padding, d=dilation, o=output_padding:
              conv2d_transpose_keras(x_, w_, b_, s, p, d, o))
        if padding == "valid" and output_padding is None:
            # Cross-check the definition against PyTorch's own transposed convolution.
            extra = tuple(max(s - ((k - 1) * d + 1), 0) for s, k, d in zip(strides, kernel, dilation))
            direct = nhwc(F.conv_transpose2d(nchw(x), w.permute(3, 2, 0, 1), b, stride=strides, output_padding=extra, dilation=dilation))
            assert torch.allclose(direct, fn(x, w, b), atol=1e-5), name
        args = {"strides": list(strides), "padding": padding, "dilation": list(dilation)}
        if output_padding is not None:
            args["output_padding"] = list(output_padding)
        f.add(name, "conv2d_transpose", fn, [x, w, b], **args)
    f.write()


def max_pool_keras(x, pool, strides, padding):
    xn = nchw(x)
    if padding == "same":
        xn = pad_same(xn, pool, strides, (1, 1), value=-math.inf)
    return nhwc(F.max_pool2d(xn, pool, strides))


def average_pool_keras(x, pool, strides, padding):
    """Average over the window's pixels inside the image (padding not counted), as Keras/TensorFlow."""
    xn = nchw(x)
    ones = torch.ones_like(xn[:, :1])
    if padding == "same":
        xn = pad_same(xn, pool, strides, (1, 1))
        ones = pad_same(ones, pool, strides, (1, 1))
    area = pool[0] * pool[1]
    total = F.avg_pool2d(xn, pool, strides) * area
    count = F.avg_pool2d(ones, pool, strides) * area
    return nhwc(total / count)


def pooling():
    f = ConvFixture("pooling", 1003)
    cases = [
        # name, (N, H, W, C), pool, strides, padding
        ("2x2_even", (2, 6, 6, 3), (2, 2), (2, 2), "valid"),
        ("2x2_odd_drops_last", (1, 5, 7, 2), (2, 2), (2, 2), "valid"),
        ("3x3_stride2_same", (1, 7, 8, 2), (3, 3), (2, 2), "same"),
        ("3x3_stride1_overlapping", (1, 5, 6, 3), (3, 3), (1, 1), "valid"),
        ("2x3_stride1_same", (1, 4, 5, 2), (2, 3), (1, 1), "same"),
        ("many_channels", (1, 4, 4, 20), (2, 2), (2, 2), "valid"),
    ]
    for name, shape, pool, strides, padding in cases:
        x = f.normal(*shape)
        args = {"pool": list(pool), "strides": list(strides), "padding": padding}
        f.add("max_" + name, "max_pool2d", lambda t, p=pool, s=strides, pd=padding: max_pool_keras(t, p, s, pd), [x], **args)
        f.add("average_" + name, "average_pool2d", lambda t, p=pool, s=strides, pd=padding: average_pool_keras(t, p, s, pd), [x], **args)
    f.write()


def batch_normalization():
    f = ConvFixture("batch_normalization", 1004)
    momentum, epsilon = 0.99, 1e-3
    for name, shape in [("nhwc", (2, 4, 5, 3)), ("features", (6, 4))]:
        channels = shape[-1]
        x = f.normal(*shape) * 2.0 + 0.5
        gamma = f.uniform(0.5, 1.5, channels)
        beta = f.normal(channels)
        moving_mean = f.normal(channels) * 0.1
        moving_var = f.uniform(0.5, 1.5, channels)

        def as_nc(t):
            return t.reshape(-1, channels)

        def training(x_, g_, b_):
            y = F.batch_norm(as_nc(x_), None, None, g_, b_, training=True, eps=epsilon)
            return y.reshape(x_.shape)

        def inference(x_, g_, b_):
            y = F.batch_norm(as_nc(x_), moving_mean, moving_var, g_, b_, training=False, eps=epsilon)
            return y.reshape(x_.shape)

        flat = as_nc(x).double()
        batch_mean = flat.mean(0)
        batch_var = flat.var(0, unbiased=False)  # Keras updates with the biased variance
        expected_mean = moving_mean.double() * momentum + batch_mean * (1 - momentum)
        expected_var = moving_var.double() * momentum + batch_var * (1 - momentum)
        common = {"momentum": momentum, "epsilon": epsilon, "moving_mean": values(moving_mean), "moving_variance": values(moving_var)}
        f.add("training_" + name, "batch_normalization", training, [x, gamma, beta], training=True,
              moving_mean_after=values(expected_mean), moving_variance_after=values(expected_var), **common)
        f.add("inference_" + name, "batch_normalization", inference, [x, gamma, beta], training=False, **common)
    f.write()


def upsampling():
    f = ConvFixture("upsampling", 1005)
    for name, shape, size, mode in [
        ("nearest_2x2", (2, 3, 4, 2), (2, 2), "nearest"),
        ("nearest_3x2", (1, 2, 3, 3), (3, 2), "nearest"),
        ("bilinear_2x2", (1, 3, 4, 2), (2, 2), "bilinear"),
        ("bilinear_3x2", (2, 3, 3, 1), (3, 2), "bilinear"),
    ]:
        x = f.normal(*shape)
        fn = (lambda t, s=size, m=mode: nhwc(F.interpolate(nchw(t), scale_factor=s, mode=m, **({} if m == "nearest" else {"align_corners": False}))))
        f.add(name, "upsampling2d", fn, [x], size=list(size), interpolation=mode)
    f.write()


def conv1d_keras(x, w, b, stride, padding, dilation, groups):
    """Keras Conv1D: x (N, L, C), w (k, C / groups, F), b (F,) or None; "causal" pads (k - 1) * dilation before."""
    xn = x.permute(0, 2, 1)
    k = w.shape[0]
    if padding == "same":
        xn = F.pad(xn, same_padding(xn.shape[2], k, stride, dilation))
    elif padding == "causal":
        xn = F.pad(xn, ((k - 1) * dilation, 0))
    return F.conv1d(xn, w.permute(2, 1, 0), b, stride=stride, dilation=dilation, groups=groups).permute(0, 2, 1)


def conv1d():
    f = ConvFixture("conv1d", 1006)
    cases = [
        # name, (N, L, C), kernel, F, stride, padding, dilation, groups
        ("valid", (2, 9, 3), 3, 4, 1, "valid", 1, 1),
        ("same_even_kernel", (1, 8, 2), 4, 3, 1, "same", 1, 1),
        ("same_stride2", (2, 9, 3), 3, 5, 2, "same", 1, 1),
        ("causal", (2, 7, 3), 3, 4, 1, "causal", 1, 1),
        ("causal_dilation2", (1, 10, 2), 3, 3, 1, "causal", 2, 1),
        ("causal_stride2", (1, 9, 2), 2, 3, 2, "causal", 1, 1),
        ("valid_dilation3", (1, 12, 2), 3, 2, 1, "valid", 3, 1),
        ("one_channel", (2, 11, 1), 5, 6, 1, "same", 1, 1),
        ("groups2", (2, 8, 4), 3, 6, 1, "same", 1, 2),
        ("groups_depthwise", (2, 8, 3), 3, 6, 1, "causal", 1, 3),
    ]
    for name, shape, kernel, filters, stride, padding, dilation, groups in cases:
        x = f.normal(*shape)
        w = f.normal(kernel, shape[2] // groups, filters, scale=0.5)
        b = f.normal(filters)
        fn = lambda x_, w_, b_, s=stride, p=padding, d=dilation, g=groups: conv1d_keras(x_, w_, b_, s, p, d, g)
        f.add(name, "conv1d", fn, [x, w, b], strides=stride, padding=padding, dilation=dilation, groups=groups)
    f.write()


def pooling1d():
    f = ConvFixture("pooling1d", 1007)
    for name, shape, pool, stride, padding in [
        ("2_even", (2, 8, 3), 2, 2, "valid"),
        ("2_odd_drops_last", (1, 7, 2), 2, 2, "valid"),
        ("3_stride2_same", (2, 8, 2), 3, 2, "same"),
        ("3_stride1_overlapping", (1, 6, 3), 3, 1, "valid"),
        ("2_stride1_same", (1, 5, 17), 2, 1, "same"),
    ]:
        x = f.normal(*shape)
        as_image = lambda t: t.unsqueeze(1)  # (N, 1, L, C): a sequence is an image of height 1
        args = {"pool": pool, "strides": stride, "padding": padding}
        f.add("max_" + name, "max_pool1d", lambda t, p=pool, s=stride, pd=padding: max_pool_keras(as_image(t), (1, p), (1, s), pd)[:, 0], [x], **args)
        f.add("average_" + name, "average_pool1d",
              lambda t, p=pool, s=stride, pd=padding: average_pool_keras(as_image(t), (1, p), (1, s), pd)[:, 0], [x], **args)
    f.write()


def depthwise_kernel_oihw(w):
    """Keras' depthwise kernel (kh, kw, C, M) as PyTorch's grouped weight (C * M, 1, kh, kw): output c * M + m."""
    kh, kw, c, m = w.shape
    return w.reshape(kh, kw, c * m).permute(2, 0, 1).unsqueeze(1)


def depthwise_keras(x, w, b, strides, padding, dilation):
    xn = nchw(x)
    if padding == "same":
        xn = pad_same(xn, w.shape[:2], strides, dilation)
    return nhwc(F.conv2d(xn, depthwise_kernel_oihw(w), b, stride=strides, dilation=dilation, groups=x.shape[3]))


def depthwise():
    f = ConvFixture("depthwise", 1008)
    cases = [
        # name, (N, H, W, C), (kh, kw), multiplier, strides, padding, dilation
        ("valid", (2, 6, 7, 3), (3, 3), 1, (1, 1), "valid", (1, 1)),
        ("same_multiplier2", (1, 5, 6, 3), (3, 3), 2, (1, 1), "same", (1, 1)),
        ("same_stride2", (1, 7, 8, 4), (3, 3), 1, (2, 2), "same", (1, 1)),
        ("valid_stride2_multiplier3", (1, 9, 8, 2), (3, 2), 3, (2, 2), "valid", (1, 1)),
        ("same_dilation2", (1, 7, 7, 5), (3, 3), 1, (1, 1), "same", (2, 2)),
        ("wide_rows", (1, 3, 13, 20), (3, 3), 1, (1, 1), "same", (1, 1)),
        ("many_channels_multiplier2", (1, 3, 7, 17), (2, 3), 2, (1, 1), "valid", (1, 1)),
    ]
    for name, shape, kernel, multiplier, strides, padding, dilation in cases:
        x = f.normal(*shape)
        w = f.normal(kernel[0], kernel[1], shape[3], multiplier, scale=0.5)
        b = f.normal(shape[3] * multiplier)
        fn = lambda x_, w_, b_, s=strides, p=padding, d=dilation: depthwise_keras(x_, w_, b_, s, p, d)
        f.add(name, "depthwise_conv2d", fn, [x, w, b], strides=list(strides), padding=padding, dilation=list(dilation))
    for name, shape, kernel, multiplier, filters, strides, padding in [
        ("separable_same", (2, 6, 5, 3), (3, 3), 1, 4, (1, 1), "same"),
        ("separable_multiplier2_stride2", (1, 7, 7, 2), (3, 3), 2, 3, (2, 2), "valid"),
    ]:
        x = f.normal(*shape)
        dw = f.normal(kernel[0], kernel[1], shape[3], multiplier, scale=0.5)
        pw = f.normal(1, 1, shape[3] * multiplier, filters, scale=0.5)
        b = f.normal(filters)
        fn = (lambda x_, dw_, pw_, b_, s=strides, p=padding:
              conv2d_keras(depthwise_keras(x_, dw_, None, s, p, (1, 1)), pw_, b_, (1, 1), "valid", (1, 1)))
        f.add(name, "separable_conv2d", fn, [x, dw, pw, b], strides=list(strides), padding=padding)
    for name, shape, kernel, filters, groups, padding in [
        ("groups2", (2, 5, 6, 4), (3, 3), 6, 2, "same"),
        ("groups3_valid", (1, 6, 5, 6), (2, 3), 3, 3, "valid"),
        ("groups_depthwise", (1, 5, 5, 3), (3, 3), 6, 3, "same"),
    ]:
        x = f.normal(*shape)
        w = f.normal(kernel[0], kernel[1], shape[3] // groups, filters, scale=0.5)
        b = f.normal(filters)

        def grouped(x_, w_, b_, g=groups, p=padding):
            xn = nchw(x_)
            if p == "same":
                xn = pad_same(xn, w_.shape[:2], (1, 1), (1, 1))
            return nhwc(F.conv2d(xn, w_.permute(3, 2, 0, 1), b_, groups=g))
        f.add(name, "conv2d_groups", grouped, [x, w, b], groups=groups, padding=padding)
    f.write()


def resize():
    f = ConvFixture("resize", 1009)
    for name, shape, size, mode in [
        ("bilinear_up", (2, 3, 4, 2), (7, 6), "bilinear"),
        ("bilinear_down", (1, 9, 8, 3), (4, 5), "bilinear"),
        ("bilinear_mixed", (1, 5, 6, 1), (8, 3), "bilinear"),
        ("nearest_up", (1, 3, 4, 2), (7, 9), "nearest"),
        ("nearest_down", (2, 8, 9, 2), (3, 4), "nearest"),
    ]:
        x = f.normal(*shape)
        torch_mode = "nearest-exact" if mode == "nearest" else mode  # half-pixel centres, as TensorFlow's resize
        fn = (lambda t, s=size, m=torch_mode: nhwc(F.interpolate(nchw(t), size=s, mode=m, **({} if m != "bilinear" else {"align_corners": False}))))
        f.add(name, "resize", fn, [x], size=list(size), interpolation=mode)
    f.write()


def symmetric_pad(x, p):
    """Pads the last two axes of NCHW x by p, mirroring with the edge repeated (d c b a | a b c d | d c b a)."""
    for axis in (2, 3):
        before = x.narrow(axis, 0, p).flip(axis)
        after = x.narrow(axis, x.shape[axis] - p, p).flip(axis)
        x = torch.cat([before, x, after], axis)
    return x


def affine_keras(x, transform, interpolation, fill_mode, fill_value, pad=4):
    """Keras' affine_transform on the resampling rules of DeepSharp's (and ImageDataGenerator's) kernel: output (col c,
    row r) reads the input at (a0 c + a1 r + a2, b0 c + b1 r + b2); bilinear reads the four neighbours of that point,
    their indices brought inside by the fill mode ("constant" fills points beyond the border, and clamps those on it);
    nearest rounds half up. Built from PyTorch ops (grid_sample on a padded copy) so autograd gives the gradient."""
    n, h, w, c = x.shape
    rows = torch.arange(h, dtype=torch.float32).view(h, 1)
    cols = torch.arange(w, dtype=torch.float32).view(1, w)
    outputs = []
    for i in range(n):
        a0, a1, a2, b0, b1, b2 = [float(v) for v in transform[i, :6]]
        # The sample point as the kernel computes it: the row's start, then the column's term.
        xs = (torch.tensor(a1, dtype=torch.float32) * rows + a2) + torch.tensor(a0, dtype=torch.float32) * cols
        ys = (torch.tensor(b1, dtype=torch.float32) * rows + b2) + torch.tensor(b0, dtype=torch.float32) * cols
        image = nchw(x[i:i + 1])
        if fill_mode == "constant":
            inside = (ys >= -1e-3) & (ys <= h - 1 + 1e-3) & (xs >= -1e-3) & (xs <= w - 1 + 1e-3)
        if interpolation == "nearest":
            yi, xi = torch.floor(ys + 0.5).long(), torch.floor(xs + 0.5).long()
            if fill_mode == "constant":
                inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
        if fill_mode in ("constant", "nearest"):
            source, offset = image, 0
        elif fill_mode == "reflect":
            source, offset = symmetric_pad(image, pad), pad
        else:
            source, offset = F.pad(image, (pad, pad, pad, pad), mode="circular"), pad
        sh, sw = source.shape[2], source.shape[3]
        if interpolation == "nearest":
            yi = (yi + offset).clamp(0, sh - 1)
            xi = (xi + offset).clamp(0, sw - 1)
            out = source[0][:, yi, xi].unsqueeze(0)
        else:
            gx = ((xs + offset) / (sw - 1)) * 2 - 1
            gy = ((ys + offset) / (sh - 1)) * 2 - 1
            grid = torch.stack([gx, gy], -1).unsqueeze(0)
            out = F.grid_sample(source, grid, mode="bilinear", padding_mode="border", align_corners=True)
        if fill_mode == "constant":
            out = torch.where(inside.view(1, 1, h, w), out, torch.full_like(out, fill_value))
        outputs.append(nhwc(out))
    return torch.cat(outputs, 0)


def affine():
    f = ConvFixture("affine", 1010)

    def rotation(degrees, h, w):
        t = math.radians(degrees)
        cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
        cos, sin = math.cos(t), math.sin(t)
        return [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, 0, 0]

    def zoom(zx, zy, h, w):
        return [zx, 0, (w - 1) / 2 * (1 - zx), 0, zy, (h - 1) / 2 * (1 - zy), 0, 0]

    shape = (2, 7, 8, 3)
    h, w = shape[1], shape[2]
    cases = [
        ("rotation_reflect", [rotation(25, h, w), rotation(-70, h, w)], "bilinear", "reflect"),
        ("rotation_constant", [rotation(40, h, w), rotation(-15, h, w)], "bilinear", "constant"),
        ("translation_wrap", [[1, 0, -1.6, 0, 1, 2.3, 0, 0], [1, 0, 2.5, 0, 1, -0.7, 0, 0]], "bilinear", "wrap"),
        ("zoom_nearest_fill", [zoom(1.3, 0.8, h, w), zoom(0.7, 1.25, h, w)], "bilinear", "nearest"),
        ("rotation_nearest_interpolation", [rotation(33, h, w), rotation(-120, h, w)], "nearest", "reflect"),
        ("translation_nearest_constant", [[1, 0, 1.4, 0, 1, -2.6, 0, 0], [1, 0, -0.5, 0, 1, 0.5, 0, 0]], "nearest", "constant"),
    ]
    for name, transforms, interpolation, fill_mode in cases:
        x = f.normal(*shape)
        transform = torch.tensor(transforms, dtype=torch.float32)
        fill = 0.5 if fill_mode == "constant" else 0.0
        fn = lambda t, tr=transform, i=interpolation, m=fill_mode, fv=fill: affine_keras(t, tr, i, m, fv)
        f.add(name, "affine_transform", fn, [x], transform=values(transform), interpolation=interpolation, fill_mode=fill_mode, fill_value=fill)
    f.write()


FIXTURES = {
    "conv2d": conv2d, "conv2d_transpose": conv2d_transpose, "pooling": pooling, "batch_normalization": batch_normalization,
    "upsampling": upsampling, "conv1d": conv1d, "pooling1d": pooling1d, "depthwise": depthwise, "resize": resize, "affine": affine,
}


if __name__ == "__main__":
    import sys
    os.makedirs(CONV_OUT, exist_ok=True)
    torch.set_num_threads(1)  # one summation order, for reproducible files
    # All files, or the ones named: make_conv_fixtures.py conv1d depthwise
    for name in sys.argv[1:] or FIXTURES:
        FIXTURES[name]()

#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of DeepSharp's op tests.

Run from anywhere with Debian's python (torch 1.13 is installed there):

    /usr/bin/python3 tools/make_fixtures.py

It writes small JSON files into tests/DeepSharp.Tests/Fixtures/. Each case holds the inputs, the output,
an upstream gradient and the gradient of every input, i.e. d/dx of sum(output * upstream), all computed by
PyTorch in float32. CI never runs this script: the JSON is committed.

Values are written with 9 significant digits, enough to give back the exact float32. Inputs are drawn from
fixed seeds and kept away from the kinks of the functions they feed (relu at 0, hard sigmoid at +-3, ...),
where the gradient is a convention rather than a derivative.

PyTorch conventions that differ from Keras are passed explicitly: leaky_relu's slope (torch 0.01, Keras 0.2),
gelu's form (exact erf by default in both; 'tanh' for the approximation), and hardsigmoid (relu6(x + 3) / 6
in torch and Keras 3; Keras 2 used 0.2x + 0.5).
"""
import json
import os

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "DeepSharp.Tests", "Fixtures")


def values(t):
    """A tensor as {shape, values}, values rounded to 9 significant digits (exact for float32)."""
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "values": [float("%.9g" % v) for v in t.reshape(-1).tolist()]}


def away_from(t, kinks, gap=0.05):
    """Moves elements closer than gap to a kink out to exactly gap away."""
    for k in kinks:
        close = (t - k).abs() < gap
        t = torch.where(close, torch.where(t >= k, torch.full_like(t, k + gap), torch.full_like(t, k - gap)), t)
    return t


class Fixture:
    """One JSON file: shared inputs and upstream (optional) and a list of cases."""

    def __init__(self, name, seed):
        self.name = name
        self.generator = torch.Generator().manual_seed(seed)
        self.cases = []
        self.shared = None

    def normal(self, *shape, scale=1.0):
        return torch.randn(tuple(shape), generator=self.generator) * scale

    def uniform(self, low, high, *shape):
        return torch.rand(tuple(shape), generator=self.generator) * (high - low) + low

    def share(self, inputs, upstream):
        """Inputs and upstream gradient used by every case that does not bring its own."""
        self.shared = (inputs, upstream)

    def add(self, name, op, fn, inputs=None, upstream=None, **args):
        """Runs fn on copies of the inputs and records output and gradients. Inputs and upstream not given
        come from share(); a case records only what it does not share."""
        case = {"name": name, "op": op}
        if args:
            case["args"] = args
        if inputs is None:
            inputs = self.shared[0]
        else:
            case["inputs"] = [values(x) for x in inputs]
        leaves = [x.clone().requires_grad_(True) for x in inputs]
        out = fn(*leaves)
        if upstream is None and "inputs" not in case and self.shared[1] is not None:
            upstream = self.shared[1]
        else:
            if upstream is None:
                upstream = self.normal(*out.shape)
            case["upstream"] = values(upstream)
        assert upstream.shape == out.shape, (name, upstream.shape, out.shape)
        (out * upstream).sum().backward()
        case["output"] = values(out)
        case["gradients"] = [values(x.grad) for x in leaves]
        self.cases.append(case)

    def write(self):
        lines = ["{", '  "source": "tools/make_fixtures.py, torch %s",' % torch.__version__]
        if self.shared is not None:
            inputs, upstream = self.shared
            lines.append('  "inputs": %s,' % json.dumps([values(x) for x in inputs], separators=(",", ":")))
            if upstream is not None:
                lines.append('  "upstream": %s,' % json.dumps(values(upstream), separators=(",", ":")))
        lines.append('  "cases": [')
        lines.append(",\n".join("    " + json.dumps(c, separators=(",", ":")) for c in self.cases))
        lines.append("  ]")
        lines.append("}")
        path = os.path.join(OUT, self.name + ".json")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        print("%-24s %3d cases %6d bytes" % (self.name + ".json", len(self.cases), os.path.getsize(path)))


def matmul():
    f = Fixture("matmul", 101)
    for name, a, b in [
        ("2d", (3, 4), (4, 5)),
        ("batched", (2, 3, 4), (2, 4, 5)),
        ("broadcast_batch", (2, 1, 3, 4), (3, 4, 2)),
        ("stack_times_matrix", (2, 3, 4), (4, 2)),
        ("matrix_times_vector", (3, 4), (4,)),
        ("vector_times_batch", (4,), (2, 4, 3)),
    ]:
        f.add(name, "matmul", torch.matmul, [f.normal(*a), f.normal(*b)])
    # A stored as its transpose: DeepSharp multiplies the transposed view without copying it.
    f.add("transposed_left", "matmul", lambda a, b: a.t() @ b, [f.normal(4, 3), f.normal(4, 5)], transpose_a=True)
    f.add("transposed_right", "matmul", lambda a, b: a @ b.t(), [f.normal(3, 4), f.normal(5, 4)], transpose_b=True)
    f.write()


def arithmetic():
    f = Fixture("arithmetic", 202)
    ops = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow}
    for shapes in [((2, 3, 4), (3, 1)), ((4,), (2, 1, 4))]:
        tag = "x".join(map(str, shapes[0])) + "_" + "x".join(map(str, shapes[1]))
        for op, fn in ops.items():
            if op == "pow":
                a = f.uniform(0.5, 2.0, *shapes[0])    # positive bases: a^b and ln a are defined
                b = f.uniform(-1.5, 2.5, *shapes[1])
            elif op == "div":
                a = f.normal(*shapes[0])
                b = f.uniform(0.5, 2.0, *shapes[1]) * torch.sign(f.normal(*shapes[1]))  # away from 0
            else:
                a, b = f.normal(*shapes[0]), f.normal(*shapes[1])
            f.add(op + "_" + tag, op, fn, [a, b])
    f.write()


def reductions():
    f = Fixture("reductions", 303)
    x = f.normal(2, 3, 3)
    f.share([x], None)
    for op in ["sum", "mean", "max", "min"]:
        for axes, keep in [(None, False), ([1], False), ([-1], True), ([0, 2], False), ([0, 2], True)]:
            if axes is None:
                fn = {"sum": torch.sum, "mean": torch.mean, "max": torch.max, "min": torch.min}[op]
            elif op in ("sum", "mean"):
                fn = (lambda o, a, k: lambda t: getattr(torch, o)(t, dim=a, keepdim=k))(op, axes, keep)
            else:
                # amax/amin reduce several axes; without ties their gradient is torch.max(dim)'s.
                fn = (lambda o, a, k: lambda t: getattr(torch, "a" + o)(t, dim=a, keepdim=k))(op, axes, keep)
            name = "%s_%s%s" % (op, "all" if axes is None else "_".join(map(str, axes)), "_keep" if keep else "")
            args = {"keepDims": keep}
            if axes is not None:
                args["axes"] = axes
            f.add(name, op, fn, **args)  # each case brings its own upstream (the output shapes differ)
    f.write()


def activations():
    f = Fixture("activations", 404)
    x = away_from(f.normal(3, 8, scale=3.0), [0.0, -3.0, 3.0, 6.0])
    x[1, 0], x[2, 7] = -7.5, 7.25  # the saturated ends of relu6 and hard sigmoid
    f.share([x], f.normal(3, 8))
    cases = [
        ("sigmoid", torch.sigmoid, {}),
        ("tanh", torch.tanh, {}),
        ("relu", F.relu, {}),
        ("leaky_relu", lambda t: F.leaky_relu(t, negative_slope=0.2), {"alpha": 0.2}),
        ("leaky_relu", lambda t: F.leaky_relu(t, negative_slope=0.01), {"alpha": 0.01}),
        ("elu", lambda t: F.elu(t, alpha=1.0), {"alpha": 1.0}),
        ("elu", lambda t: F.elu(t, alpha=0.5), {"alpha": 0.5}),
        ("selu", F.selu, {}),
        ("gelu", lambda t: F.gelu(t, approximate="none"), {"approximate": False}),
        ("gelu", lambda t: F.gelu(t, approximate="tanh"), {"approximate": True}),
        ("softplus", F.softplus, {}),
        ("softsign", F.softsign, {}),
        ("silu", F.silu, {}),
        ("hard_sigmoid", F.hardsigmoid, {}),
        ("relu6", F.relu6, {}),
    ]
    for op, fn, args in cases:
        name = op + "".join("_%s" % v for v in args.values())
        f.add(name, op, fn, **args)
    f.write()


def softmax():
    f = Fixture("softmax", 505)
    x = f.normal(2, 3, 4, scale=2.0)
    f.share([x], f.normal(2, 3, 4))
    for axis in [-1, 0, 1]:
        f.add("softmax_axis%d" % axis, "softmax", lambda t, a=axis: F.softmax(t, dim=a), axis=axis)
        f.add("log_softmax_axis%d" % axis, "log_softmax", lambda t, a=axis: F.log_softmax(t, dim=a), axis=axis)
    # Large logits: the maximum must be subtracted before exponentiating.
    big = f.normal(2, 5, scale=40.0) + 500.0
    f.add("softmax_large", "softmax", lambda t: F.softmax(t, dim=-1), [big], f.normal(2, 5), axis=-1)
    f.add("log_softmax_large", "log_softmax", lambda t: F.log_softmax(t, dim=-1), [big], f.normal(2, 5), axis=-1)
    f.write()


def unary():
    f = Fixture("unary", 606)
    positive = f.uniform(0.2, 3.0, 12)
    signed = away_from(f.normal(12, scale=1.5), [0.0, -0.5, 0.8])
    for op, fn, x, args in [
        ("exp", torch.exp, signed, {}),
        ("log", torch.log, positive, {}),
        ("sqrt", torch.sqrt, positive, {}),
        ("abs", torch.abs, signed, {}),
        ("square", torch.square, signed, {}),
        ("clip", lambda t: torch.clamp(t, -0.5, 0.8), signed, {"min": -0.5, "max": 0.8}),
    ]:
        f.add(op, op, fn, [x], f.normal(12), **args)
    f.write()


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)  # one summation order, for reproducible files
    matmul()
    arithmetic()
    reductions()
    activations()
    softmax()
    unary()

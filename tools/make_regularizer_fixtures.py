#!/usr/bin/python3
"""Writes the regularizer training fixtures of DeepSharp's tests.

    /usr/bin/python3 tools/make_regularizer_fixtures.py

Output: tests/DeepSharp.Tests/Fixtures/regularizers/dense_sgd.json (small, committed; CI never runs this script).

Each case trains one Dense layer (Keras layout: kernel [in, out], y = activation(x @ kernel + bias)) with a
kernel and a bias regularizer by plain SGD for a few full-batch steps, with PyTorch's autograd doing the
differentiation. Keras semantics: the training loss is the data loss (mean squared error over every element)
plus each penalty, where L1 is l1 * sum(|w|) and L2 is l2 * sum(w^2) (no 1/2); the loss a step reports is the
one computed before that step's update. The fixture records, per step, that loss and the weights after the
update.

Inputs and factors are rounded to float32 first and the arithmetic is float64, so the references are the exact
results for the numbers DeepSharp sees.
"""
import json
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "DeepSharp.Tests", "Fixtures", "regularizers")
STEPS = 5
BATCH, IN, OUT_UNITS = 6, 4, 3


def f32(x):
    return float(np.float32(x))


def f32a(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def penalty(spec, w):
    """Keras' regularizer value: l1 * sum(|w|) + l2 * sum(w^2)."""
    if spec is None:
        return torch.zeros(())
    config = spec["config"]
    value = torch.zeros(())
    if config.get("l1", 0.0):
        value = value + f32(config["l1"]) * w.abs().sum()
    if config.get("l2", 0.0):
        value = value + f32(config["l2"]) * (w * w).sum()
    return value


def case(name, seed, kernel_reg, bias_reg, activation="linear", learning_rate=0.1):
    rng = np.random.default_rng(seed)
    x = f32a(rng.normal(0.0, 1.0, (BATCH, IN)))
    y = f32a(rng.normal(0.0, 1.0, (BATCH, OUT_UNITS)))
    kernel0 = f32a(rng.normal(0.0, 0.5, (IN, OUT_UNITS)))
    bias0 = f32a(rng.normal(0.0, 0.5, OUT_UNITS))
    kernel = torch.tensor(kernel0, requires_grad=True)
    bias = torch.tensor(bias0, requires_grad=True)
    xt, yt = torch.tensor(x), torch.tensor(y)
    lr = f32(learning_rate)
    steps = []
    for _ in range(STEPS):
        z = xt @ kernel + bias
        out = torch.tanh(z) if activation == "tanh" else z
        data_loss = ((out - yt) ** 2).mean()
        kernel_penalty = penalty(kernel_reg, kernel)
        bias_penalty = penalty(bias_reg, bias)
        loss = data_loss + kernel_penalty + bias_penalty
        kernel.grad = None
        bias.grad = None
        loss.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
            bias -= lr * bias.grad
        steps.append({
            "loss": loss.item(),
            "data_loss": data_loss.item(),
            "penalty": (kernel_penalty + bias_penalty).item(),
            "kernel": kernel.detach().numpy().ravel().tolist(),
            "bias": bias.detach().numpy().ravel().tolist(),
        })
    return {
        "name": name,
        "activation": activation,
        "learning_rate": learning_rate,
        "kernel_regularizer": kernel_reg,
        "bias_regularizer": bias_reg,
        "x": {"shape": [BATCH, IN], "values": x.ravel().tolist()},
        "y": {"shape": [BATCH, OUT_UNITS], "values": y.ravel().tolist()},
        "kernel": {"shape": [IN, OUT_UNITS], "values": kernel0.ravel().tolist()},
        "bias": {"shape": [OUT_UNITS], "values": bias0.ravel().tolist()},
        "steps": steps,
    }


def reg(class_name, **config):
    return {"class_name": class_name, "config": config}


def main():
    cases = [
        case("kernel_l1_bias_l2", 1, reg("L1", l1=0.05), reg("L2", l2=0.1)),
        case("kernel_l2_bias_l1", 2, reg("L2", l2=0.1), reg("L1", l1=0.05)),
        case("kernel_l1l2_bias_l1l2", 3, reg("L1L2", l1=0.02, l2=0.05), reg("L1L2", l1=0.03, l2=0.2)),
        case("kernel_l2_tanh", 4, reg("L2", l2=0.3), None, activation="tanh", learning_rate=0.2),
        case("bias_l1_only", 5, None, reg("L1", l1=0.1)),
    ]
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "dense_sgd.json")
    with open(path, "w") as f:
        json.dump({"generator": "tools/make_regularizer_fixtures.py", "torch_version": torch.__version__, "steps": STEPS,
                   "cases": cases}, f, indent=1)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

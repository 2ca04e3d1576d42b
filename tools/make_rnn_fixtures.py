#!/usr/bin/python3
"""Generates the PyTorch reference fixtures of DeepSharp's recurrent layers (SimpleRNN, LSTM, GRU).

Run from anywhere with Debian's python (torch 1.13 is installed there):

    /usr/bin/python3 tools/make_rnn_fixtures.py

It writes tests/DeepSharp.Tests/Fixtures/rnn/recurrent.json. Each case holds the inputs in Keras' layouts
(x [batch, steps, features], kernel [features, gates*units], recurrent_kernel [units, gates*units], bias,
optional initial states), the layer's outputs (the output, then the final states when return_state), one
upstream gradient per output, and the gradient of every input of sum(output_i * upstream_i), computed by
torch.nn.RNN / LSTM / GRU in float32. CI never runs this script: the JSON is committed.

Converting between the two layouts:
  - PyTorch stores weight_ih [gates*units, features] and weight_hh [gates*units, units]; Keras stores their
    transposes, kernel [features, gates*units] and recurrent_kernel [units, gates*units].
  - LSTM: both use the gate order i, f, c(g), o. PyTorch has two biases that are always added together, so
    Keras' single bias is b_ih + b_hh, and its gradient is the gradient of either.
  - GRU: PyTorch's form is Keras' reset_after=True (the reset gate multiplies W_hn h + b_hn), but its gate
    order is r, z, n where Keras has z, r, h; the blocks are reordered. Keras' bias [2, 3*units] is
    [input bias; recurrent bias], each reordered the same way.
  - SimpleRNN: PyTorch's RNN with tanh; the bias is b_ih + b_hh as for the LSTM.
  - GRU with reset_after=False (Keras' other form, ONNX's default): torch.nn.GRU has no such form, so it is written
    out with PyTorch ops in Keras' layout and differentiated by autograd (cell "gru_reset_before").
  - go_backwards: Keras processes the steps last first and returns the outputs in that (reversed) order,
    which is PyTorch run on the flipped sequence.
"""
import json
import os

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "DeepSharp.Tests", "Fixtures", "rnn")


def values(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "values": [float("%.9g" % v) for v in t.reshape(-1).tolist()]}


def gru_keras_order(w):
    """PyTorch's r, z, n blocks along dim 0 -> Keras' z, r, h."""
    r, z, n = w.chunk(3, 0)
    return torch.cat([z, r, n], 0)


def case(cell, name, batch, steps, features, units, return_sequences, return_state, go_backwards, initial_state, seed):
    g = torch.Generator().manual_seed(seed)
    module = {"simple_rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](features, units, batch_first=True)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.rand(p.shape, generator=g) * 1.2 - 0.6)
    x = torch.randn(batch, steps, features, generator=g).requires_grad_()
    states = []
    if initial_state:
        states = [(torch.randn(batch, units, generator=g) * 0.5).requires_grad_() for _ in range(2 if cell == "lstm" else 1)]
    hx = None
    if states:
        hx = (states[0].unsqueeze(0), states[1].unsqueeze(0)) if cell == "lstm" else states[0].unsqueeze(0)
    run = x.flip(1) if go_backwards else x
    sequence, final = module(run, hx)
    if cell == "lstm":
        h, c = final[0][0], final[1][0]
        finals = [h, c]
    else:
        finals = [final[0]]
    outputs = [sequence if return_sequences else sequence[:, -1, :]]
    if return_state:
        outputs += finals
    upstream = [torch.randn(o.shape, generator=g) for o in outputs]
    loss = sum((o * u).sum() for o, u in zip(outputs, upstream))
    loss.backward()

    w_ih, w_hh, b_ih, b_hh = module.weight_ih_l0, module.weight_hh_l0, module.bias_ih_l0, module.bias_hh_l0
    if cell == "gru":
        kernel, recurrent = gru_keras_order(w_ih).t(), gru_keras_order(w_hh).t()
        bias = torch.stack([gru_keras_order(b_ih), gru_keras_order(b_hh)])
        d_kernel, d_recurrent = gru_keras_order(w_ih.grad).t(), gru_keras_order(w_hh.grad).t()
        d_bias = torch.stack([gru_keras_order(b_ih.grad), gru_keras_order(b_hh.grad)])
    else:
        kernel, recurrent, bias = w_ih.t(), w_hh.t(), b_ih + b_hh
        d_kernel, d_recurrent, d_bias = w_ih.grad.t(), w_hh.grad.t(), b_ih.grad
    inputs = {"x": values(x), "kernel": values(kernel), "recurrent_kernel": values(recurrent), "bias": values(bias)}
    gradients = {"x": values(x.grad), "kernel": values(d_kernel), "recurrent_kernel": values(d_recurrent), "bias": values(d_bias)}
    for i, s in enumerate(states):
        inputs["state%d" % i] = values(s)
        gradients["state%d" % i] = values(s.grad)
    return {
        "name": name, "cell": cell, "units": units, "return_sequences": return_sequences, "return_state": return_state,
        "go_backwards": go_backwards, "inputs": inputs, "outputs": [values(o) for o in outputs],
        "upstream": [values(u) for u in upstream], "gradients": gradients,
    }


def gru_reset_before_case(name, batch, steps, features, units, return_sequences, return_state, go_backwards, initial_state, seed):
    """Keras' GRU with reset_after=False, written out with PyTorch ops (torch.nn.GRU has only the reset_after form):
    z = sigmoid(x W_z + b_z + h R_z), r = sigmoid(x W_r + b_r + h R_r), hh = tanh(x W_h + b_h + (r * h) R_h),
    h = z * h + (1 - z) * hh, in Keras' layout (kernel [features, 3u], recurrent_kernel [units, 3u], bias [3u])."""
    g = torch.Generator().manual_seed(seed)
    kernel = (torch.rand(features, 3 * units, generator=g) * 1.2 - 0.6).requires_grad_()
    recurrent = (torch.rand(units, 3 * units, generator=g) * 1.2 - 0.6).requires_grad_()
    bias = (torch.rand(3 * units, generator=g) * 1.2 - 0.6).requires_grad_()
    x = torch.randn(batch, steps, features, generator=g).requires_grad_()
    states = [(torch.randn(batch, units, generator=g) * 0.5).requires_grad_()] if initial_state else []
    h = states[0] if states else torch.zeros(batch, units)
    u = units
    sequence = []
    for t in (reversed(range(steps)) if go_backwards else range(steps)):
        x_z, x_r, x_h = (x[:, t] @ kernel + bias).split(u, dim=1)
        h_zr = h @ recurrent[:, : 2 * u]
        z = torch.sigmoid(x_z + h_zr[:, :u])
        r = torch.sigmoid(x_r + h_zr[:, u:])
        hh = torch.tanh(x_h + (r * h) @ recurrent[:, 2 * u:])
        h = z * h + (1 - z) * hh
        sequence.append(h)
    outputs = [torch.stack(sequence, 1) if return_sequences else sequence[-1]]
    if return_state:
        outputs.append(h)
    upstream = [torch.randn(o.shape, generator=g) for o in outputs]
    sum((o * up).sum() for o, up in zip(outputs, upstream)).backward()
    inputs = {"x": values(x), "kernel": values(kernel), "recurrent_kernel": values(recurrent), "bias": values(bias)}
    gradients = {"x": values(x.grad), "kernel": values(kernel.grad), "recurrent_kernel": values(recurrent.grad), "bias": values(bias.grad)}
    for i, s in enumerate(states):
        inputs["state%d" % i] = values(s)
        gradients["state%d" % i] = values(s.grad)
    return {
        "name": name, "cell": "gru_reset_before", "units": units, "return_sequences": return_sequences, "return_state": return_state,
        "go_backwards": go_backwards, "inputs": inputs, "outputs": [values(o) for o in outputs],
        "upstream": [values(up) for up in upstream], "gradients": gradients,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    seed = 100
    for cell in ["simple_rnn", "lstm", "gru"]:
        for (tag, steps, seq, state, back, init) in [
            ("last", 28, False, False, False, False),
            ("sequences_state_initial", 28, True, True, False, True),
            ("last_state_backwards", 28, False, True, True, False),
            ("sequences_backwards_initial", 7, True, False, True, True),
        ]:
            seed += 1
            cases.append(case(cell, "%s_%s" % (cell, tag), 2, steps, 3, 4, seq, state, back, init, seed))
    for (tag, batch, steps, units, seq, state, back, init) in [
        ("last", 2, 28, 4, False, False, False, False),
        ("sequences_state_initial", 3, 9, 5, True, True, False, True),
        ("last_state_backwards", 2, 12, 20, False, True, True, False),
        ("sequences_backwards_initial", 2, 7, 4, True, False, True, True),
    ]:
        seed += 1
        cases.append(gru_reset_before_case("gru_reset_before_" + tag, batch, steps, 3, units, seq, state, back, init, seed))
    path = os.path.join(OUT, "recurrent.json")
    lines = ["{", '  "source": "tools/make_rnn_fixtures.py, torch %s",' % torch.__version__, '  "cases": [']
    lines.append(",\n".join("    " + json.dumps(c, separators=(",", ":")) for c in cases))
    lines += ["  ]", "}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("rnn/recurrent.json %d cases %d bytes" % (len(cases), os.path.getsize(path)))


if __name__ == "__main__":
    main()

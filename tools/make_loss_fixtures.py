#!/usr/bin/python3
"""Reference values for DeepSharp's losses, computed with PyTorch (Debian's python3-torch).

Run from the repository root:  /usr/bin/python3 tools/make_loss_fixtures.py
Writes tests/DeepSharp.Tests/Fixtures/losses/*.json: inputs, the loss, and d(loss)/d(predictions).
Keras' probability forms (normalise the row, clip to [1e-7, 1 - 1e-7], take the log) are written out
with torch ops so that autograd gives their exact gradients; the logits forms use torch's own losses.
"""
import json
import os

import torch

torch.manual_seed(20261123)
OUT = os.path.join("tests", "DeepSharp.Tests", "Fixtures", "losses")
EPS = 1e-7


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float("%.9g" % v) for v in t.detach().reshape(-1).tolist()]}


def write(name, targets, predictions, loss_fn, **extra):
    predictions = predictions.clone().requires_grad_(True)
    loss = loss_fn(targets, predictions)
    loss.backward()
    doc = {
        "name": name,
        "targets": tensor_json(targets),
        "predictions": tensor_json(predictions),
        "loss": float("%.9g" % loss.item()),
        "gradient": tensor_json(predictions.grad),
    }
    doc.update(extra)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(doc, f, indent=1)


def main():
    os.makedirs(OUT, exist_ok=True)
    rows, classes = 6, 5
    logits = torch.randn(rows, classes) * 2
    labels = torch.randint(0, classes, (rows,)).float()
    onehot = torch.nn.functional.one_hot(labels.long(), classes).float()
    soft = torch.softmax(torch.randn(rows, classes), dim=-1)
    probs = torch.softmax(torch.randn(rows, classes), dim=-1)
    probs[0, 0] = 1e-9  # a clipped entry: its gradient must be zero

    write("sparse_cce_logits", labels, logits,
          lambda y, p: torch.nn.functional.cross_entropy(p, y.long()))
    write("sparse_cce_probs", labels, probs,
          lambda y, p: -torch.log(torch.clamp(p / p.sum(-1, keepdim=True), EPS, 1 - EPS))
          .gather(1, y.long().unsqueeze(1)).mean())
    write("cce_logits", soft, logits,
          lambda t, p: -(t * torch.log_softmax(p, -1)).sum(-1).mean())
    write("cce_probs", onehot, probs,
          lambda t, p: -(t * torch.log(torch.clamp(p / p.sum(-1, keepdim=True), EPS, 1 - EPS))).sum(-1).mean())

    z = torch.randint(0, 2, (rows, 3)).float()
    x = torch.randn(rows, 3) * 3
    write("bce_logits", z, x, lambda t, p: torch.nn.functional.binary_cross_entropy_with_logits(p, t))
    q = torch.sigmoid(torch.randn(rows, 3))
    write("bce_probs", z, q,
          lambda t, p: -(t * torch.log(torch.clamp(p, EPS, 1 - EPS)) + (1 - t) * torch.log(1 - torch.clamp(p, EPS, 1 - EPS))).mean())

    a = torch.randn(rows, 4)
    b = torch.randn(rows, 4)
    write("mse", a, b, lambda t, p: torch.nn.functional.mse_loss(p, t))
    write("mae", a, b, lambda t, p: torch.nn.functional.l1_loss(p, t))
    write("huber", a, b * 2, lambda t, p: torch.nn.functional.huber_loss(p, t, delta=1.0), delta=1.0)
    write("huber_delta_0_5", a, b * 2, lambda t, p: torch.nn.functional.huber_loss(p, t, delta=0.5), delta=0.5)
    write("kl_divergence", soft, probs.clamp(min=1e-3),
          lambda t, p: (torch.clamp(t, EPS, 1) * torch.log(torch.clamp(t, EPS, 1) / torch.clamp(p, EPS, 1))).sum(-1).mean())
    # Sequences: (batch, steps, classes), averaged over batch and steps as Keras' sum_over_batch_size.
    seq_logits = torch.randn(2, 3, classes)
    seq_labels = torch.randint(0, classes, (2, 3)).float()
    write("sparse_cce_logits_sequence", seq_labels, seq_logits,
          lambda y, p: torch.nn.functional.cross_entropy(p.reshape(-1, classes), y.long().reshape(-1)))


if __name__ == "__main__":
    main()

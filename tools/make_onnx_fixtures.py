#!/usr/bin/python3
"""Exports small PyTorch models to ONNX (opset 14) with an input and PyTorch's output, for the ONNX importer's tests.

Run from anywhere with Debian's python (apt-get install -y python3-torch python3-onnx):

    /usr/bin/python3 tools/make_onnx_fixtures.py

It writes tests/DeepSharp.Tests/Fixtures/Interop/<name>.onnx and <name>.json. The JSON holds the input in
PyTorch's layout (NCHW for images: the test transposes it to the NHWC the imported model takes) and the
output PyTorch computes in eval mode, both as {shape, values}. The batch axis is dynamic in every export, so
the importer sees the graph PyTorch users ship. CI never runs this script: the files are committed.

The models:
  mlp        Flatten -> Linear(784, 128) -> ReLU -> Linear(128, 10) -> Softmax, the seed MLP.
  cnn        the seed CNN's layers: Conv 3x3 32 -> ReLU -> MaxPool 2 -> Conv 3x3 64 -> ReLU -> MaxPool 2 ->
             Flatten -> Linear 128 -> ReLU -> Linear 10, on 20x20 one-channel images (28x28 would make a
             0.9 MB file; the graph is the same).
  cnn3       three channels with PyTorch's symmetric padding at stride 1 and at stride 2 (which is not
             Keras' 'same'), BatchNorm2d with non-trivial statistics kept as a BatchNormalization node,
             average pooling (which PyTorch exports behind a Pad node) and a Flatten.
  lstm       a two-layer LSTM (batch_first) whose last step feeds a Linear.
  gru        a GRU (PyTorch's is ONNX's linear_before_reset=1) whose last step feeds a Linear.
  cnn_fixed_batch  a small CNN exported as torch.onnx.export does by default, with the batch fixed at 1 in the
             graph; the input and output are a batch of 4.
"""
import json
import os

import torch
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "DeepSharp.Tests", "Fixtures", "Interop")


def values(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "values": [float("%.9g" % v) for v in t.reshape(-1).tolist()]}


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.Softmax(dim=1))

    def forward(self, x):
        return self.net(x)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 3 * 3, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.net(x)


class Cnn3(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=1, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
            nn.AvgPool2d(2), nn.Flatten(), nn.Linear(16 * 4 * 4, 10))

    def forward(self, x):
        return self.net(x)


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, num_layers=2, batch_first=True)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


class Gru(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(8, 16, batch_first=True)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.fc(out[:, -1])


class FixedBatchCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 5))

    def forward(self, x):
        return self.net(x)


def export(name, model, x, dynamic=True, **options):
    """Exports model; with dynamic=False the graph has PyTorch's default fixed batch of 1 and x is a larger batch."""
    model.eval()
    path = os.path.join(OUT, name + ".onnx")
    axes = {"dynamic_axes": {"input": {0: "batch"}, "output": {0: "batch"}}} if dynamic else {}
    torch.onnx.export(model, x if dynamic else x[:1], path, opset_version=14, input_names=["input"], output_names=["output"],
                      **axes, **options)
    with torch.no_grad():
        y = model(x)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"source": "tools/make_onnx_fixtures.py, torch %s" % torch.__version__,
                   "input": values(x), "output": values(y)}, f, separators=(",", ":"))
        f.write("\n")
    print("%s.onnx %d bytes" % (name, os.path.getsize(path)))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(15)
    export("mlp", Mlp(), torch.rand(3, 28, 28))
    export("cnn", Cnn(), torch.rand(3, 1, 20, 20))
    cnn3 = Cnn3()
    with torch.no_grad():  # statistics a trained model would have, so batch norm is not the identity
        bn = cnn3.net[1]
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.2, 0.2)
    # PRESERVE keeps BatchNormalization as a node (the default export folds it into the convolution).
    export("cnn3", cnn3, torch.rand(3, 3, 16, 16), training=torch.onnx.TrainingMode.PRESERVE)
    export("lstm", Lstm(), torch.randn(3, 7, 8))
    export("gru", Gru(), torch.randn(3, 7, 8))
    export("cnn_fixed_batch", FixedBatchCnn(), torch.rand(4, 3, 8, 8), dynamic=False)


if __name__ == "__main__":
    main()

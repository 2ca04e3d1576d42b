#!/usr/bin/env python3
"""The seed MLP as Keras defines it, trained in PyTorch: a reference for what `deepsharp train mlp` should reach.

Flatten -> Dense(128, relu) -> Dropout(0.2) -> Dense(10, softmax); Glorot-uniform kernels, zero biases;
Adam(1e-3, eps 1e-7); batch 32; 10 epochs on the first 90% of the training set (Keras' validationSplit 0.1).
Usage: /usr/bin/python3 tools/reference_mlp.py [DATA_DIR] [SEED...]   (DATA_DIR holds fashion-mnist/*.gz)
"""
import gzip, os, sys
import numpy as np
import torch


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(directory):
    d = os.path.join(directory, "fashion-mnist")
    x = idx(os.path.join(d, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255
    y = idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    tx = idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255
    ty = idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(tx), torch.from_numpy(ty)


def run(seed, x, y, tx, ty):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                torch.nn.Linear(128, 10))
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    split = int(len(x) * 0.9)
    x, y = x[:split], y[:split]
    for _ in range(10):
        model.train()
        order = torch.randperm(split)
        for start in range(0, split, 32):
            batch = order[start:start + 32]
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        return (model(tx).argmax(1) == ty).float().mean().item()


def main():
    torch.set_num_threads(1)
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets")
    seeds = [int(s) for s in sys.argv[2:]] or [1, 2, 3]
    data = load(directory)
    accuracies = [run(seed, *data) for seed in seeds]
    for seed, accuracy in zip(seeds, accuracies):
        print(f"seed {seed}: test accuracy {accuracy:.4f}")
    print(f"mean {np.mean(accuracies):.4f}, min {min(accuracies):.4f}, max {max(accuracies):.4f}")


if __name__ == "__main__":
    main()

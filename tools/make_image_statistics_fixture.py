#!/usr/bin/env python3
"""Reference values for ImageDataGenerator.Fit / Standardize, computed with NumPy the way Keras' legacy
ImageDataGenerator does (keras/src/legacy/preprocessing/image.py: fit and standardize):

  mean = x.mean over (images, rows, columns), per channel;           x -= mean
  std  = x.std  over the same axes, per channel (of the centered x);  x /= std + 1e-6
  zca:  sigma = flat.T @ flat / n ; u, s, _ = svd(sigma) ; W = (u * 1/sqrt(s + eps)) @ u.T
  standardize(img) = (img - mean) [/ (std + 1e-6)] and then flat(img) @ W

Needs only NumPy (apt-get install -y python3-numpy). Writes tests/DeepSharp.Tests/Fixtures/data/image_statistics.json.
Run: /usr/bin/python3 tools/make_image_statistics_fixture.py
"""
import json
import os

import numpy as np

rng = np.random.default_rng(17)
n, h, w, c = 40, 3, 3, 2
# Channels on different scales and a correlation between them, so centering, scaling and whitening all matter.
x = rng.normal(size=(n, h, w, c)).astype(np.float32)
x[..., 1] = 0.5 * x[..., 0] + 2.0 * x[..., 1] + 3.0
x[..., 0] = 4.0 * x[..., 0] - 1.0
x = x.astype(np.float32)
eps = 1e-6


def stats(data, std_normalization, zca):
    data = data.copy()
    mean = data.mean(axis=(0, 1, 2), dtype=np.float64).astype(np.float32)
    data -= mean
    std = None
    if std_normalization:
        std = data.std(axis=(0, 1, 2), dtype=np.float64).astype(np.float32)
        data /= std + 1e-6
    matrix = None
    if zca:
        flat = data.reshape(len(data), -1).astype(np.float64)
        sigma = flat.T @ flat / flat.shape[0]
        u, s, _ = np.linalg.svd(sigma)
        matrix = (u * (1.0 / np.sqrt(s[np.newaxis] + eps))) @ u.T
    return mean, std, matrix


def standardize(images, mean, std, matrix):
    out = images.astype(np.float64) - mean
    if std is not None:
        out /= std.astype(np.float64) + 1e-6
    if matrix is not None:
        out = (out.reshape(len(out), -1) @ matrix).reshape(out.shape)
    return out


mean, std, _ = stats(x, std_normalization=True, zca=False)
zmean, _, zca = stats(x, std_normalization=False, zca=True)
fixture = {
    "x": {"shape": list(x.shape), "data": x.ravel().tolist()},
    "zca_epsilon": eps,
    "featurewise": {
        "mean": mean.tolist(),
        "std": std.tolist(),
        "standardized_first_3": standardize(x[:3], mean, std, None).ravel().tolist(),
    },
    "zca": {
        "mean": zmean.tolist(),
        "matrix": zca.ravel().tolist(),
        "standardized_first_3": standardize(x[:3], zmean, None, zca).ravel().tolist(),
    },
}
path = os.path.join(os.path.dirname(__file__), "..", "tests", "DeepSharp.Tests", "Fixtures", "data", "image_statistics.json")
with open(path, "w") as f:
    json.dump(fixture, f)
print("wrote", os.path.normpath(path))

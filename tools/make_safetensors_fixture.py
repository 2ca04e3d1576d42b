"""Writes tests/DeepSharp.Tests/Fixtures/IO/torch-mixed.safetensors and its expected values.

The file is written the way the reference safetensors writer lays it out (header keys in data order,
tensors sorted by element size then name, `__metadata__` first, header padded with spaces to a multiple
of 8 bytes) from PyTorch tensors of four dtypes, so that DeepSharp's reader is checked against bytes it did
not produce. The expected float32 values come from PyTorch's own conversions. Never needed by CI.

    python3 tools/make_safetensors_fixture.py
"""
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "DeepSharp.Tests", "Fixtures", "IO")

DTYPES = {torch.float32: ("F32", 4), torch.float16: ("F16", 2), torch.bfloat16: ("BF16", 2), torch.float64: ("F64", 8)}


def main():
    torch.manual_seed(0)
    tensors = {
        "dense.kernel": torch.randn(3, 2),
        "dense.bias": torch.tensor([0.5, -1.25], dtype=torch.float32),
        "half": torch.tensor([1.0, -2.5, 65504.0, 6.1035e-05, 1e-7], dtype=torch.float16),
        "brain": (torch.randn(2, 2) * 100).to(torch.bfloat16),
        "double": torch.tensor([0.1, -1e-40, 3.4e38], dtype=torch.float64),
        "scalar": torch.tensor(7.0),
        "empty": torch.zeros(0, 4),
    }
    metadata = {"format": "pt", "source": "tools/make_safetensors_fixture.py"}

    order = sorted(tensors, key=lambda n: (-DTYPES[tensors[n].dtype][1], n))
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name in order:
        t = tensors[name].contiguous()
        dtype, size = DTYPES[t.dtype]
        # numpy has no bfloat16: take the raw 16-bit patterns through an int16 view.
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().astype(
            "<i2" if t.dtype == torch.bfloat16 else t.numpy().dtype.newbyteorder("<")).tobytes()
        assert len(raw) == t.numel() * size
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "torch-mixed.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)

    expected = {
        "order": order,
        "metadata": metadata,
        "tensors": {n: {"shape": list(t.shape), "values": t.to(torch.float32).flatten().tolist()} for n, t in tensors.items()},
    }
    with open(os.path.join(OUT, "torch-mixed.expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

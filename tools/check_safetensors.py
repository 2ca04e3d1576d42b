"""Reads a safetensors file by hand (no safetensors package needed) into PyTorch tensors and prints them.

Used to check that files DeepSharp writes load elsewhere:  python3 tools/check_safetensors.py FILE
Exits non-zero if the layout is not what the format requires. Never needed by CI.
"""
import json
import struct
import sys

import torch

DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2), "F64": (torch.float64, 8)}


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0, f"header length {n} is not a multiple of 8"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = data[8 + n:]
    end = 0
    tensors = {}
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, stop = info["data_offsets"]
        assert begin == end, f"{name}: gap or overlap at {begin} (expected {end})"
        dtype, size = DTYPES[info["dtype"]]
        count = 1
        for d in info["shape"]:
            count *= d
        assert stop - begin == count * size, f"{name}: {stop - begin} bytes for shape {info['shape']}"
        raw = bytearray(body[begin:stop])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.zeros(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"])
        end = stop
    assert end == len(body), f"data section is {len(body)} bytes, tensors cover {end}"
    return tensors, metadata


if __name__ == "__main__":
    tensors, metadata = load(sys.argv[1])
    print("metadata", json.dumps(metadata))
    for name, t in tensors.items():
        print(name, t.dtype, tuple(t.shape), t.flatten().tolist())

#!/usr/bin/python3
"""Writes Keras model files, in the layouts Keras itself writes, for DeepSharp's Keras reader tests.

No Keras runs here (none is installed, and CI never needs one). This script follows Keras' saving code:

  - Keras 3 `.keras` archive (keras/src/saving/saving_lib.py, as of Keras 3.8): a zip holding
    `metadata.json` ({"keras_version", "date_saved"}), `config.json` (serialize_keras_object of the model:
    module, class_name, config, registered_name, build_config) and `model.weights.h5`, whose groups are the
    paths of the saveables: the model's own `vars`, then `layers/<snake_case class name, made unique>/vars`
    with datasets "0", "1", ... in the order the layer created its variables, and `cell/vars`,
    `forward_layer/...`, `backward_layer/...`, `layer/...` for the layers that own other layers. Since Keras
    3.6 every `vars` group is made even when empty and carries the saveable's `name` attribute.
  - Keras 2 `.h5` file (keras/saving/legacy/hdf5_format.py, as of Keras 2.15, and the older layout of 2.11):
    root attributes `keras_version`, `backend` and `model_config` (JSON as bytes), a group `model_weights`
    with `layer_names` (fixed-length byte strings), `backend`, `keras_version`, one group per layer (in
    sorted name order) whose `weight_names` attribute lists its datasets (`dense/kernel:0`, nested groups
    where the name has slashes) and is an empty float array for a layer without weights.

Weights come from a fixed seed; the expected predictions are computed here in numpy (float64) from those
weights, by a small forward pass of each layer as Keras defines it, and saved beside the model files as
`<name>.expected.json` ({"input": {"shape", "values"}, "output": {...}}). Run with Debian's python:

    /usr/bin/python3 tools/make_keras_fixtures.py

It rewrites tests/DeepSharp.Tests/Fixtures/Interop/Keras/. The files are small (each well under 1 MB) and
committed. `expected_keras3_layout(path)` is also the check used by hand on archives DeepSharp writes:

    /usr/bin/python3 tools/make_keras_fixtures.py --check some_model.keras
"""
import io
import json
import os
import re
import sys
import zipfile

import h5py
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "DeepSharp.Tests", "Fixtures", "Interop", "Keras")
KERAS3 = "3.8.0"


# ----------------------------------------------------------------------------------------------------
# Names
# ----------------------------------------------------------------------------------------------------

def snake_case(name):
    """keras.src.utils.naming.to_snake_case."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


# ----------------------------------------------------------------------------------------------------
# Keras 3 serialization (serialize_keras_object of built-in objects)
# ----------------------------------------------------------------------------------------------------

def k3_dtype():
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def k3_init(class_name, **config):
    return {"module": "keras.initializers", "class_name": class_name, "config": config, "registered_name": None}


def k2_init(class_name, new_format, **config):
    """Keras 2.13+ wrote nested objects in the new format (module, registered_name) even inside .h5 files."""
    if new_format:
        return {"module": "keras.initializers", "class_name": class_name, "config": config, "registered_name": None}
    return {"class_name": class_name, "config": config}


def glorot(init):
    return init("GlorotUniform", seed=None)


def zeros(init):
    return init("Zeros")


def ones(init):
    return init("Ones")


def orthogonal(init):
    return init("Orthogonal", gain=1.0, seed=None)


def layer_config(spec, version, init):
    """The get_config of a layer in Keras 3 (version 3) or Keras 2 (version 2)."""
    kind, args = spec["class"], spec["args"]
    config = {"name": spec["name"], "trainable": True, "dtype": k3_dtype() if version == 3 else "float32"}
    if version == 2 and spec.get("batch_input_shape") is not None:
        config["batch_input_shape"] = spec["batch_input_shape"]
    if kind == "Dense":
        config.update({"units": args["units"], "activation": args.get("activation", "linear"), "use_bias": args.get("use_bias", True),
                       "kernel_initializer": glorot(init), "bias_initializer": zeros(init), "kernel_regularizer": None,
                       "bias_regularizer": None})
        if version == 2:
            config["activity_regularizer"] = None
        config.update({"kernel_constraint": None, "bias_constraint": None})
    elif kind == "Conv2D":
        config.update({"filters": args["filters"], "kernel_size": [args["kernel"]] * 2, "strides": [args.get("strides", 1)] * 2,
                       "padding": args.get("padding", "valid"), "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
                       "activation": args.get("activation", "linear"), "use_bias": args.get("use_bias", True),
                       "kernel_initializer": glorot(init), "bias_initializer": zeros(init), "kernel_regularizer": None,
                       "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None})
    elif kind == "Conv2DTranspose":
        config.update({"filters": args["filters"], "kernel_size": [args["kernel"]] * 2, "strides": [args.get("strides", 1)] * 2,
                       "padding": args.get("padding", "valid"), "output_padding": None, "data_format": "channels_last",
                       "dilation_rate": [1, 1], "activation": args.get("activation", "linear"), "use_bias": args.get("use_bias", True),
                       "kernel_initializer": glorot(init), "bias_initializer": zeros(init), "kernel_regularizer": None,
                       "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None})
    elif kind in ("MaxPooling2D", "AveragePooling2D"):
        pool = args.get("pool", 2)
        config.update({"pool_size": [pool, pool], "padding": args.get("padding", "valid"), "strides": [args.get("strides", pool)] * 2,
                       "data_format": "channels_last"})
    elif kind in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        config.update({"data_format": "channels_last", "keepdims": False})
    elif kind == "Flatten":
        config["data_format"] = "channels_last"
    elif kind == "Dropout":
        config.update({"rate": args["rate"], "seed": None, "noise_shape": None})
    elif kind == "SpatialDropout2D":
        if version == 3:
            # Keras 3's SpatialDropout2D takes only these arguments (no trainable, no noise_shape).
            return {"rate": args["rate"], "seed": None, "name": spec["name"], "dtype": "float32", "data_format": "channels_last"}
        config.update({"rate": args["rate"], "noise_shape": None, "seed": None})
    elif kind == "BatchNormalization":
        # Keras 2 turned the axis into a list of positive axes when the layer was built.
        config.update({"axis": -1 if version == 3 else [spec["rank"] - 1], "momentum": 0.99, "epsilon": 0.001, "center": True,
                       "scale": True, "beta_initializer": zeros(init), "gamma_initializer": ones(init),
                       "moving_mean_initializer": zeros(init), "moving_variance_initializer": ones(init), "beta_regularizer": None,
                       "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None})
        if version == 3:
            config.update({"synchronized": False})
    elif kind == "LeakyReLU":
        config["negative_slope" if version == 3 else "alpha"] = args["slope"]
    elif kind == "Activation":
        config["activation"] = args["activation"]
    elif kind == "ZeroPadding2D":
        p = args["padding"]
        config.update({"padding": [[p, p], [p, p]], "data_format": "channels_last"})
    elif kind == "UpSampling2D":
        config.update({"size": [2, 2], "data_format": "channels_last", "interpolation": "nearest"})
    elif kind == "Reshape":
        config["target_shape"] = args["target_shape"]
    elif kind == "Embedding":
        config.update({"input_dim": args["input_dim"], "output_dim": args["output_dim"],
                       "embeddings_initializer": init("RandomUniform", minval=-0.05, maxval=0.05, seed=None),
                       "embeddings_regularizer": None, "activity_regularizer": None, "embeddings_constraint": None,
                       "mask_zero": False})
        if version == 2:
            config["input_length"] = None
    elif kind in ("LSTM", "GRU", "SimpleRNN"):
        config.update({"return_sequences": args.get("return_sequences", False), "return_state": False, "go_backwards": args.get("go_backwards", False),
                       "stateful": False, "unroll": False})
        config["zero_output_for_mask" if version == 3 else "time_major"] = False
        config.update({"units": args["units"], "activation": "tanh"})
        if kind != "SimpleRNN":
            config["recurrent_activation"] = "sigmoid"
        config.update({"use_bias": True, "kernel_initializer": glorot(init), "recurrent_initializer": orthogonal(init),
                       "bias_initializer": zeros(init)})
        if kind == "LSTM":
            config["unit_forget_bias"] = True
        config.update({"kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
                       "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None, "bias_constraint": None,
                       "dropout": 0.0, "recurrent_dropout": 0.0})
        if kind != "SimpleRNN" and version == 2:
            config["implementation"] = 2
        if kind == "GRU":
            config["reset_after"] = True
        if version == 3:
            config["seed"] = None
    elif kind == "Bidirectional":
        inner = args["layer"]
        config["merge_mode"] = args.get("merge_mode", "concat")
        forward = dict(inner, name="forward_" + inner["name"])
        backward = dict(inner, name="backward_" + inner["name"], args=dict(inner["args"], go_backwards=True))
        config["layer"] = serialize(forward, version, init)
        config["backward_layer"] = serialize(backward, version, init)
    elif kind == "TimeDistributed":
        config["layer"] = serialize(args["layer"], version, init)
    elif kind in ("Add", "Subtract", "Multiply", "Average"):
        pass
    elif kind == "Concatenate":
        config["axis"] = args.get("axis", -1)
    else:
        raise ValueError(kind)
    return config


def serialize(spec, version, init):
    config = layer_config(spec, version, init)
    if version == 3:
        entry = {"module": "keras.layers", "class_name": spec["class"], "config": config, "registered_name": None}
        if spec.get("input_shape") is not None:
            entry["build_config"] = {"input_shape": spec["input_shape"]}
        return entry
    return {"class_name": spec["class"], "config": config}


def input_layer(name, batch_shape, version):
    if version == 3:
        return {"module": "keras.layers", "class_name": "InputLayer",
                "config": {"batch_shape": batch_shape, "dtype": "float32", "sparse": False, "name": name}, "registered_name": None}
    return {"class_name": "InputLayer",
            "config": {"batch_input_shape": batch_shape, "dtype": "float32", "sparse": False, "ragged": False, "name": name}}


# ----------------------------------------------------------------------------------------------------
# Shapes, weights and the numpy forward pass of each layer (Keras' definitions)
# ----------------------------------------------------------------------------------------------------

def window(size, k, s, padding):
    if padding == "same":
        out = -(-size // s)
        total = max((out - 1) * s + k - size, 0)
        return out, total // 2, total - total // 2
    return (size - k) // s + 1, 0, 0


def weight_shapes(spec, shape):
    """Keras' variables of a layer for a per-sample input shape, in creation order (its `vars` order)."""
    kind, a = spec["class"], spec["args"]
    if kind == "Dense":
        return [[shape[-1], a["units"]]] + ([[a["units"]]] if a.get("use_bias", True) else [])
    if kind == "Conv2D":
        return [[a["kernel"], a["kernel"], shape[-1], a["filters"]]] + ([[a["filters"]]] if a.get("use_bias", True) else [])
    if kind == "Conv2DTranspose":
        return [[a["kernel"], a["kernel"], a["filters"], shape[-1]]] + ([[a["filters"]]] if a.get("use_bias", True) else [])
    if kind == "BatchNormalization":
        return [[shape[-1]]] * 4
    if kind == "Embedding":
        return [[a["input_dim"], a["output_dim"]]]
    if kind in ("LSTM", "GRU", "SimpleRNN"):
        gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[kind] * a["units"]
        bias = [2, gates] if kind == "GRU" else [gates]
        return [[shape[-1], gates], [a["units"], gates], bias]
    if kind == "Bidirectional":
        return weight_shapes(a["layer"], shape) * 2
    if kind == "TimeDistributed":
        return weight_shapes(a["layer"], shape[1:])
    return []


def make_weights(spec, shape, rng):
    out = []
    for i, s in enumerate(weight_shapes(spec, shape)):
        if spec["class"] == "BatchNormalization":
            w = [1.0 + 0.2 * rng.standard_normal(s), 0.1 * rng.standard_normal(s), 0.2 * rng.standard_normal(s),
                 0.5 + rng.random(s)][i]
        else:
            fan = s[0] if len(s) <= 2 else int(np.prod(s[:-1]))
            w = rng.uniform(-1.0, 1.0, s) * np.sqrt(3.0 / max(fan, 1))
        out.append(np.asarray(w, dtype=np.float32))
    return out


def act(name, x):
    if name in ("linear", None):
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "tanh":
        return np.tanh(x)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "softmax":
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    if name == "elu":
        return np.where(x > 0, x, np.exp(np.minimum(x, 0)) - 1)
    raise ValueError(name)


def conv2d(x, k, b, stride, padding):
    n, h, w, c = x.shape
    kh, kw, _, f = k.shape
    oh, top, bottom = window(h, kh, stride, padding)
    ow, left, right = window(w, kw, stride, padding)
    xp = np.pad(x, [(0, 0), (top, bottom), (left, right), (0, 0)])
    y = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            y[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return y + (b if b is not None else 0)


def conv2d_transpose(x, k, b, stride, padding):
    n, h, w, c = x.shape
    kh, kw, f, _ = k.shape
    full = np.zeros((n, (h - 1) * stride + kh, (w - 1) * stride + kw, f))
    for i in range(h):
        for j in range(w):
            full[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :] += np.tensordot(x[:, i, j, :], k, axes=([1], [3]))
    if padding == "same":
        oh, ow = h * stride, w * stride
        top, left = max(kh - stride, 0) // 2, max(kw - stride, 0) // 2
        full = full[:, top:top + oh, left:left + ow, :]
    return full + (b if b is not None else 0)


def pool(x, size, stride, padding, mode):
    n, h, w, c = x.shape
    oh, top, _ = window(h, size, stride, padding)
    ow, left, _ = window(w, size, stride, padding)
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * stride - top, j * stride - left
            patch = x[:, max(r0, 0):min(r0 + size, h), max(c0, 0):min(c0 + size, w), :]
            y[:, i, j, :] = patch.max((1, 2)) if mode == "max" else patch.mean((1, 2))
    return y


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def recurrent(kind, x, ws, units, return_sequences, go_backwards):
    kernel, recurrent_kernel, bias = ws
    n, steps, _ = x.shape
    h = np.zeros((n, units))
    c = np.zeros((n, units))
    outputs = []
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    for t in order:
        xt = x[:, t, :]
        if kind == "LSTM":
            z = xt @ kernel + h @ recurrent_kernel + bias
            i, f, g, o = np.split(z, 4, axis=1)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
        elif kind == "GRU":
            xz, xr, xh = np.split(xt @ kernel + bias[0], 3, axis=1)
            hz, hr, hh = np.split(h @ recurrent_kernel + bias[1], 3, axis=1)
            z, r = sigmoid(xz + hz), sigmoid(xr + hr)
            h = z * h + (1 - z) * np.tanh(xh + r * hh)
        else:
            h = np.tanh(xt @ kernel + h @ recurrent_kernel + bias)
        outputs.append(h)
    return np.stack(outputs, 1) if return_sequences else h


def forward(spec, x, ws):
    kind, a = spec["class"], spec["args"]
    if kind == "Dense":
        return act(a.get("activation"), x @ ws[0] + (ws[1] if len(ws) > 1 else 0))
    if kind == "Conv2D":
        return act(a.get("activation"), conv2d(x, ws[0], ws[1] if len(ws) > 1 else None, a.get("strides", 1), a.get("padding", "valid")))
    if kind == "Conv2DTranspose":
        return act(a.get("activation"), conv2d_transpose(x, ws[0], ws[1] if len(ws) > 1 else None, a.get("strides", 1), a.get("padding", "valid")))
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        size = a.get("pool", 2)
        return pool(x, size, a.get("strides", size), a.get("padding", "valid"), "max" if kind == "MaxPooling2D" else "avg")
    if kind == "GlobalAveragePooling2D":
        return x.mean((1, 2))
    if kind == "GlobalMaxPooling2D":
        return x.max((1, 2))
    if kind == "Flatten":
        return x.reshape(x.shape[0], -1)
    if kind in ("Dropout", "SpatialDropout2D"):
        return x
    if kind == "BatchNormalization":
        gamma, beta, mean, var = ws
        return gamma * (x - mean) / np.sqrt(var + 0.001) + beta
    if kind == "LeakyReLU":
        return np.where(x > 0, x, a["slope"] * x)
    if kind == "Activation":
        return act(a["activation"], x)
    if kind == "ZeroPadding2D":
        p = a["padding"]
        return np.pad(x, [(0, 0), (p, p), (p, p), (0, 0)])
    if kind == "UpSampling2D":
        return x.repeat(2, axis=1).repeat(2, axis=2)
    if kind == "Reshape":
        return x.reshape([x.shape[0]] + list(a["target_shape"]))
    if kind == "Embedding":
        return ws[0][x.astype(np.int64)]
    if kind in ("LSTM", "GRU", "SimpleRNN"):
        return recurrent(kind, x, ws, a["units"], a.get("return_sequences", False), a.get("go_backwards", False))
    if kind == "Bidirectional":
        inner = a["layer"]
        half = len(ws) // 2
        fwd = forward(inner, x, ws[:half])
        back_spec = dict(inner, args=dict(inner["args"], go_backwards=True))
        back = forward(back_spec, x, ws[half:])
        if inner["args"].get("return_sequences", False):
            back = back[:, ::-1, :]
        return np.concatenate([fwd, back], -1)
    if kind == "TimeDistributed":
        n, t = x.shape[:2]
        y = forward(a["layer"], x.reshape((n * t,) + x.shape[2:]), ws)
        return y.reshape((n, t) + y.shape[1:])
    raise ValueError(kind)


def merge(kind, xs, a):
    if kind == "Add":
        return sum(xs)
    if kind == "Subtract":
        return xs[0] - xs[1]
    if kind == "Multiply":
        return np.prod(xs, axis=0)
    if kind == "Average":
        return sum(xs) / len(xs)
    if kind == "Concatenate":
        return np.concatenate(xs, a.get("axis", -1))
    raise ValueError(kind)


def output_shape(spec, shape):
    x = np.zeros([1] + list(shape))
    ws = [np.zeros(s) for s in weight_shapes(spec, shape)]
    if spec["class"] == "BatchNormalization":
        ws[3] = np.ones(ws[3].shape)
    return list(forward(spec, x, ws).shape[1:])


# ----------------------------------------------------------------------------------------------------
# Models: a Sequential is a list of layer specs; a functional model is a list of (spec, input names)
# ----------------------------------------------------------------------------------------------------

def layer(kind, name, **args):
    return {"class": kind, "name": name, "args": args}


class Built:
    """A model with its weights, per-layer input shapes and Keras' `layers` order."""

    def __init__(self, name, input_shape, steps, functional, seed):
        self.name, self.input_shape, self.steps, self.functional = name, list(input_shape), steps, functional
        rng = np.random.default_rng(seed)
        self.shapes, self.weights = {}, {}
        shapes = {"input_layer": self.input_shape}
        prev = "input_layer"
        for spec, inputs in steps:
            inputs = inputs or [prev]
            in_shape = shapes[inputs[0]]
            spec["input_shape"] = [None] + in_shape
            spec["rank"] = len(in_shape) + 1
            self.shapes[spec["name"]] = in_shape
            self.weights[spec["name"]] = make_weights(spec, in_shape, rng)
            if len(inputs) > 1:
                shapes[spec["name"]] = list(merge(spec["class"], [np.zeros([1] + shapes[i]) for i in inputs], spec["args"]).shape[1:])
            else:
                shapes[spec["name"]] = output_shape(spec, in_shape)
            prev = spec["name"]
        self.output_name = prev

    def predict(self, x):
        values = {"input_layer": x.astype(np.float64)}
        prev = "input_layer"
        for spec, inputs in self.steps:
            inputs = inputs or [prev]
            ws = [w.astype(np.float64) for w in self.weights[spec["name"]]]
            if len(inputs) > 1:
                values[spec["name"]] = merge(spec["class"], [values[i] for i in inputs], spec["args"])
            else:
                values[spec["name"]] = forward(spec, values[inputs[0]], ws)
            prev = spec["name"]
        return values[self.output_name]


def keras3_config(model):
    batch_shape = [None] + model.input_shape
    if not model.functional:
        layers = [input_layer("input_layer", batch_shape, 3)] + [serialize(s, 3, k3_init) for s, _ in model.steps]
        return {"module": "keras", "class_name": "Sequential",
                "config": {"name": model.name, "trainable": True, "dtype": k3_dtype(), "layers": layers, "build_input_shape": batch_shape},
                "registered_name": None, "build_config": {"input_shape": batch_shape}}
    def tensor(name):
        return {"class_name": "__keras_tensor__", "config": {"shape": None, "dtype": "float32", "keras_history": [name, 0, 0]}}

    layers = [dict(input_layer("input_layer", batch_shape, 3), name="input_layer", inbound_nodes=[])]
    for spec, inputs in model.steps:
        entry = serialize(spec, 3, k3_init)
        entry["name"] = spec["name"]
        args = [[tensor(i) for i in inputs]] if len(inputs) > 1 else [tensor(inputs[0])]
        entry["inbound_nodes"] = [{"args": args, "kwargs": {}}]
        layers.append(entry)
    # KerasTensor shapes in the nodes: recomputed from the model.
    out_shapes = {"input_layer": batch_shape}
    for spec, inputs in model.steps:
        if len(inputs) > 1:
            out = merge(spec["class"], [np.zeros([1] + out_shapes[i][1:]) for i in inputs], spec["args"])
            out_shapes[spec["name"]] = [None] + list(out.shape[1:])
        else:
            out_shapes[spec["name"]] = [None] + output_shape(spec, out_shapes[inputs[0]][1:])
    for entry in layers[1:]:
        for node in entry["inbound_nodes"]:
            for t in (node["args"][0] if isinstance(node["args"][0], list) else node["args"]):
                t["config"]["shape"] = out_shapes[t["config"]["keras_history"][0]]
    return {"module": "keras.src.models.functional", "class_name": "Functional",
            "config": {"name": model.name, "trainable": True, "layers": layers,
                       "input_layers": ["input_layer", 0, 0], "output_layers": [model.output_name, 0, 0]},
            "registered_name": "Functional", "build_config": {"input_shape": batch_shape}}


def keras_layers_order(model):
    """Functional.layers in Keras: by depth from the inputs (map_graph); for these chains and merges, the
    order of the steps; Sequential.layers leaves the InputLayer out."""
    return (["input_layer"] if model.functional else []) + [s["name"] for s, _ in model.steps]


def saveable_paths(spec, path, shape):
    """(h5 path, variable count) of a layer and the layers it owns, as _save_state walks them."""
    kind = spec["class"]
    if kind in ("LSTM", "GRU", "SimpleRNN"):
        return [(path, 0), (path + "/cell", 3)]
    if kind == "Bidirectional":
        inner = spec["args"]["layer"]
        return [(path, 0)] + saveable_paths(inner, path + "/backward_layer", shape) + saveable_paths(inner, path + "/forward_layer", shape)
    if kind == "TimeDistributed":
        return [(path, 0)] + saveable_paths(spec["args"]["layer"], path + "/layer", shape[1:])
    return [(path, len(weight_shapes(spec, shape)))]


def write_keras3(model, path):
    specs = {s["name"]: s for s, _ in model.steps}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars").attrs["name"] = model.name
        used = {}
        for name in keras_layers_order(model):
            kind = specs[name]["class"] if name in specs else "InputLayer"
            stem = snake_case(kind)
            used[stem] = used.get(stem, -1) + 1
            unique = stem if used[stem] == 0 else f"{stem}_{used[stem]}"
            if name not in specs:
                f.create_group(f"layers/{unique}").create_group("vars").attrs["name"] = name
                continue
            values = list(model.weights[name])
            for group_path, count in saveable_paths(specs[name], f"layers/{unique}", model.shapes[name]):
                group = f.create_group(group_path + "/vars") if group_path not in f else f[group_path].create_group("vars")
                group.attrs["name"] = inner_name(specs[name], group_path)
                for i in range(count):
                    group[str(i)] = values.pop(0) if specs[name]["class"] != "Bidirectional" else bidirectional_value(model, name, group_path, i)
    with zipfile.ZipFile(path, "w") as z:
        # Fixed member dates keep the fixtures byte-identical from run to run.
        for member, data in [("metadata.json", json.dumps({"keras_version": KERAS3, "date_saved": "2025-01-01@00:00:00"})),
                             ("config.json", json.dumps(keras3_config(model))), ("model.weights.h5", buffer.getvalue())]:
            z.writestr(zipfile.ZipInfo(member, date_time=(2025, 1, 1, 0, 0, 0)), data)


def inner_name(spec, group_path):
    """The `name` attribute of each saveable's vars group."""
    tail = group_path.rsplit("/", 1)[-1]
    kind = spec["class"]
    if tail == "cell":
        inner = spec if kind in ("LSTM", "GRU", "SimpleRNN") else spec["args"]["layer"]
        return snake_case(inner["class"]) + "_cell"
    if tail == "forward_layer":
        return "forward_" + spec["args"]["layer"]["name"]
    if tail == "backward_layer":
        return "backward_" + spec["args"]["layer"]["name"]
    if tail == "layer":
        return spec["args"]["layer"]["name"]
    return spec["name"]


def bidirectional_value(model, name, group_path, i):
    ws = model.weights[name]
    half = len(ws) // 2
    return ws[i] if "/forward_layer/" in group_path + "/" else ws[half + i]


def keras2_weight_names(spec, tf_names):
    """The variable names Keras 2 (TensorFlow) gave a layer's weights, in _legacy_weights order."""
    kind, n = spec["class"], spec["name"]
    if kind in ("Dense", "Conv2D", "Conv2DTranspose"):
        return [f"{n}/kernel:0"] + ([f"{n}/bias:0"] if spec["args"].get("use_bias", True) else [])
    if kind == "BatchNormalization":
        return [f"{n}/gamma:0", f"{n}/beta:0", f"{n}/moving_mean:0", f"{n}/moving_variance:0"]
    if kind == "Embedding":
        return [f"{n}/embeddings:0"]
    if kind in ("LSTM", "GRU", "SimpleRNN"):
        cell = f"{n}/{snake_case(kind)}_cell/" if tf_names else f"{n}/"
        return [cell + "kernel:0", cell + "recurrent_kernel:0", cell + "bias:0"]
    if kind == "Bidirectional":
        inner = spec["args"]["layer"]
        fwd = keras2_weight_names(dict(inner, name="forward_" + inner["name"]), tf_names)
        back = keras2_weight_names(dict(inner, name="backward_" + inner["name"]), tf_names)
        return [f"{n}/{w}" for w in fwd + back]
    if kind == "TimeDistributed":
        return [w.replace(spec["args"]["layer"]["name"] + "/", n + "/", 1) for w in keras2_weight_names(spec["args"]["layer"], tf_names)]
    return []


def version_tuple(version):
    return tuple(int(p) for p in version.split("."))


def write_keras2(model, path, version, new_format):
    init = lambda class_name, **config: k2_init(class_name, new_format, **config)
    batch_shape = [None] + model.input_shape
    if not model.functional:
        first = model.steps[0][0]
        first["batch_input_shape"] = batch_shape
        layers = [input_layer(first["name"] + "_input", batch_shape, 2)] + [serialize(s, 2, init) for s, _ in model.steps]
        config = {"class_name": "Sequential", "config": {"name": model.name, "layers": layers}}
        first.pop("batch_input_shape")
        names = [s["name"] for s, _ in model.steps]
    else:
        layers = [dict(input_layer("input_1", batch_shape, 2), name="input_1", inbound_nodes=[])]
        rename = {"input_layer": "input_1"}
        for spec, inputs in model.steps:
            entry = serialize(spec, 2, init)
            entry["name"] = spec["name"]
            entry["inbound_nodes"] = [[[rename.get(i, i), 0, 0, {}] for i in inputs]]
            layers.append(entry)
        config = {"class_name": "Functional", "config": {"name": model.name, "trainable": True, "layers": layers,
                                                         "input_layers": [["input_1", 0, 0]], "output_layers": [[model.output_name, 0, 0]]}}
        names = ["input_1"] + [s["name"] for s, _ in model.steps]
    specs = {s["name"]: s for s, _ in model.steps}
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = version
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = [n.encode("utf8") for n in names]
        weights.attrs["backend"] = "tensorflow".encode("utf8")
        weights.attrs["keras_version"] = version.encode("utf8")
        for name in sorted(names):
            g = weights.create_group(name)
            wnames = keras2_weight_names(specs[name], tf_names=version_tuple(version) >= (2, 5)) if name in specs else []
            g.attrs["weight_names"] = [w.encode("utf8") for w in wnames]
            for w, value in zip(wnames, model.weights.get(name, [])):
                g.create_dataset(w, value.shape, dtype=value.dtype)[...] = value
        if version_tuple(version) >= (2, 13):
            g = weights.create_group("top_level_model_weights")
            g.attrs["weight_names"] = []


def values_json(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "values": [float("%.9g" % v) for v in a.reshape(-1).tolist()]}


def write_expected(model, path, x):
    with open(path, "w") as f:
        json.dump({"input": values_json(x), "output": values_json(model.predict(x))}, f)
        f.write("\n")


# ----------------------------------------------------------------------------------------------------
# The fixtures
# ----------------------------------------------------------------------------------------------------

def mlp():
    steps = [layer("Flatten", "flatten"), layer("Dense", "dense", units=32, activation="relu"), layer("Dropout", "dropout", rate=0.2),
             layer("Dense", "dense_1", units=10, activation="softmax")]
    return Built("sequential", [8, 8], [(s, None) for s in steps], False, 1)


def cnn():
    # The seed CNN's layers and widths, on 16x16 images so that the files stay small.
    steps = [layer("Conv2D", "conv2d", filters=32, kernel=3, activation="relu"), layer("MaxPooling2D", "max_pooling2d"),
             layer("Conv2D", "conv2d_1", filters=64, kernel=3, activation="relu"), layer("MaxPooling2D", "max_pooling2d_1"),
             layer("Flatten", "flatten"), layer("Dense", "dense", units=128, activation="relu"),
             layer("Dense", "dense_1", units=10, activation="softmax")]
    return Built("sequential", [16, 16, 1], [(s, None) for s in steps], False, 2)


def lstm():
    steps = [layer("LSTM", "lstm", units=16, return_sequences=True), layer("LSTM", "lstm_1", units=16),
             layer("Dense", "dense", units=4, activation="softmax")]
    return Built("sequential", [7, 5], [(s, None) for s in steps], False, 3)


def functional():
    # Layer names unlike Keras' automatic ones: the weight paths follow the class and the order, not the names.
    steps = [(layer("Dense", "hidden", units=16, activation="relu"), ["input_layer"]),
             (layer("Dense", "left", units=8, activation="tanh"), ["hidden"]),
             (layer("Dense", "right", units=8, activation="sigmoid"), ["hidden"]),
             (layer("Add", "sum"), ["left", "right"]),
             (layer("Concatenate", "joined"), ["sum", "hidden"]),
             (layer("Dense", "scores", units=3), ["joined"])]
    return Built("functional", [12], steps, True, 4)


def image_zoo():
    steps = [layer("ZeroPadding2D", "zero_padding2d", padding=1),
             layer("Conv2D", "conv2d", filters=6, kernel=3, strides=2, padding="same", use_bias=False),
             layer("BatchNormalization", "batch_normalization"), layer("LeakyReLU", "leaky_re_lu", slope=0.1),
             layer("AveragePooling2D", "average_pooling2d", pool=2, strides=1, padding="same"),
             layer("SpatialDropout2D", "spatial_dropout2d", rate=0.1),
             layer("Conv2DTranspose", "conv2d_transpose", filters=4, kernel=3, strides=2, padding="same", activation="relu"),
             layer("UpSampling2D", "up_sampling2d"), layer("MaxPooling2D", "max_pooling2d", pool=3, strides=2, padding="same"),
             layer("Conv2D", "conv2d_1", filters=5, kernel=2, activation="elu"),
             layer("GlobalAveragePooling2D", "global_average_pooling2d"), layer("Reshape", "reshape", target_shape=[5, 1]),
             layer("Flatten", "flatten"), layer("Activation", "activation", activation="tanh"),
             layer("Dense", "dense", units=3)]
    return Built("sequential", [9, 7, 3], [(s, None) for s in steps], False, 5)


def sequence_zoo():
    steps = [layer("Embedding", "embedding", input_dim=20, output_dim=6),
             layer("Bidirectional", "bidirectional", layer=layer("GRU", "gru", units=5, return_sequences=True)),
             layer("TimeDistributed", "time_distributed", layer=layer("Dense", "dense", units=4, activation="relu")),
             layer("SimpleRNN", "simple_rnn", units=6, return_sequences=True),
             layer("Bidirectional", "bidirectional_1", layer=layer("LSTM", "lstm", units=3)),
             layer("Dense", "dense_1", units=2)]
    return Built("sequential", [6], [(s, None) for s in steps], False, 6)


def sample_input(model, batch, rng):
    if model.steps[0][0]["class"] == "Embedding":
        return rng.integers(0, model.steps[0][0]["args"]["input_dim"], [batch] + model.input_shape).astype(np.float32)
    return rng.standard_normal([batch] + model.input_shape).astype(np.float32)


def write_hostile():
    """Two hostile Keras 2 files: weights that are links to another file, and arrays that declare far more
    data than the file holds (chunked, nothing written: the file stays tiny)."""
    with h5py.File(os.path.join(OUT, "hostile_external_link.h5"), "w") as f, h5py.File(os.path.join(OUT, "mlp.h5"), "r") as mlp:
        for key, value in mlp.attrs.items():
            f.attrs[key] = value
        weights = f.create_group("model_weights")
        for key, value in mlp["model_weights"].attrs.items():
            weights.attrs[key] = value
        for name in mlp["model_weights"]:
            if name == "dense":
                weights["dense"] = h5py.ExternalLink("cnn.h5", "/model_weights/dense")
            else:
                mlp.copy(mlp["model_weights"][name], weights, name)
    units = 20000  # a 1.6 GB kernel, declared by a 9 kB file
    config = {"class_name": "Sequential", "config": {"name": "bomb", "layers": [
        input_layer("dense_input", [None, units], 2),
        serialize(dict(layer("Dense", "dense", units=units), batch_input_shape=[None, units]), 2, lambda c, **k: k2_init(c, False, **k))]}}
    with h5py.File(os.path.join(OUT, "hostile_shape_bomb.h5"), "w") as f:
        f.attrs["keras_version"] = "2.11.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = [b"dense"]
        g = weights.create_group("dense")
        g.attrs["weight_names"] = [b"dense/kernel:0", b"dense/bias:0"]
        g.create_dataset("dense/kernel:0", (units, units), dtype=np.float32, chunks=(100, 100))
        g.create_dataset("dense/bias:0", (units,), dtype=np.float32, chunks=(100,))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(2025)
    for name, make, keras2 in [("mlp", mlp, "2.15.0"), ("cnn", cnn, "2.15.0"), ("lstm", lstm, "2.11.0"),
                               ("functional", functional, "2.15.0"), ("image_zoo", image_zoo, "2.15.0"),
                               ("sequence_zoo", sequence_zoo, "2.11.0")]:
        model = make()
        x = sample_input(model, 3, rng)
        write_keras3(model, os.path.join(OUT, f"{name}.keras"))
        write_keras2(make(), os.path.join(OUT, f"{name}.h5"), keras2, new_format=version_tuple(keras2) >= (2, 13))
        write_expected(model, os.path.join(OUT, f"{name}.expected.json"), x)
    write_hostile()
    for f in sorted(os.listdir(OUT)):
        print(f"{f}: {os.path.getsize(os.path.join(OUT, f))} bytes")


def expected_keras3_layout(path):
    """Checks an archive against Keras 3's layout; returns the list of problems (empty when it fits)."""
    problems = []
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        for required in ("metadata.json", "config.json", "model.weights.h5"):
            if required not in names:
                problems.append(f"missing {required}")
        if problems:
            return problems
        metadata = json.loads(z.read("metadata.json"))
        if not str(metadata.get("keras_version", "")).startswith("3."):
            problems.append(f"metadata keras_version {metadata.get('keras_version')!r}")
        config = json.loads(z.read("config.json"))
        for key in ("module", "class_name", "config", "registered_name"):
            if key not in config:
                problems.append(f"config.json lacks {key}")
        with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
            if "vars" not in f:
                problems.append("no root vars group")
            entries = config["config"]["layers"]
            kinds = [e["class_name"] for e in entries if config["class_name"] != "Sequential" or e["class_name"] != "InputLayer"]
            used = {}
            for kind in kinds:
                stem = snake_case(kind)
                used[stem] = used.get(stem, -1) + 1
                unique = stem if used[stem] == 0 else f"{stem}_{used[stem]}"
                if f"layers/{unique}/vars" not in f:
                    problems.append(f"no group layers/{unique}/vars")
            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    if obj.dtype != np.float32:
                        problems.append(f"{name} is {obj.dtype}")
                    if not re.fullmatch(r"(.*/)?vars/\d+", name):
                        problems.append(f"dataset {name} is not under a vars group")
            f.visititems(visit)
    return problems


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        found = expected_keras3_layout(sys.argv[2])
        print("\n".join(found) if found else "layout ok")
        sys.exit(1 if found else 0)
    main()

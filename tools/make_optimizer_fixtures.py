#!/usr/bin/python3
"""Writes the optimizer and learning-rate-schedule fixtures of DeepSharp's tests.

    /usr/bin/python3 tools/make_optimizer_fixtures.py

Output: tests/DeepSharp.Tests/Fixtures/optimizers/*.json (small, committed; CI never runs this script).

DeepSharp follows Keras 3's optimizers. No Keras or TensorFlow is installed here, so each case's "expected"
weights come from Keras 3's update formulas transcribed into NumPy below (float64, from the files named in
each function), and every case that has a PyTorch counterpart also carries "torch_expected", computed by
torch.optim itself with hyper-parameters chosen so that the two algorithms coincide. The script asserts that
the transcription and PyTorch agree before it writes anything, so the transcriptions are anchored to a real
implementation; the tests compare DeepSharp with both.

Inputs (weights, gradients, hyper-parameters) are rounded to float32 first, so the references are the exact
results (in float64) for the very numbers DeepSharp sees.
"""
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "DeepSharp.Tests", "Fixtures", "optimizers")
STEPS = 5
SIZES = (37, 5)  # 37 = two 16-lane vectors + a 5-element tail, so fixtures reach vector body and tail


def f32(x):
    """The float32 value nearest x, as a float64 (what DeepSharp stores for a float argument)."""
    return float(np.float32(x))


def f32a(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def problem(seed, wide, sizes=SIZES, steps=STEPS, scale=1.0):
    """Initial weights and per-step gradients. wide=True spreads gradient magnitudes over 1e-8..10 so that
    epsilon's placement matters; wide=False keeps them within 0.1..3 (where implementations that differ only
    in epsilon's placement agree once epsilon is tiny)."""
    rng = np.random.default_rng(seed)
    initial = [f32a(rng.normal(0.0, 0.5, n)) for n in sizes]
    grads = []
    for _ in range(steps):
        step = []
        for n in sizes:
            g = rng.normal(0.0, 1.0, n)
            if wide:
                g = g * 10.0 ** rng.uniform(-8, 1, n)
            else:
                g = np.sign(g) * (0.1 + np.abs(g))
            step.append(f32a(g * scale))
        grads.append(step)
    return initial, grads


# ---- Keras 3's formulas, transcribed (keras-team/keras, keras/src/optimizers/) ------------------------------

def clip(grads, cfg):
    """base_optimizer.py, BaseOptimizer._clip_gradients / _clip_by_norm / clip_by_global_norm."""
    if cfg.get("clipnorm"):
        c = cfg["clipnorm"]
        out = []
        for g in grads:
            norm = math.sqrt(float(np.sum(g * g)))
            out.append(g * c / max(norm, c))
        return out
    if cfg.get("global_clipnorm"):
        c = cfg["global_clipnorm"]
        norm = math.sqrt(sum(float(np.sum(g * g)) for g in grads))
        scale = c * min(1.0 / norm, 1.0 / c)
        return [g * scale for g in grads]
    if cfg.get("clipvalue"):
        v = cfg["clipvalue"]
        return [np.clip(g, -v, v) for g in grads]
    return grads


def lr_at(cfg, step):
    lr = cfg["learning_rate"]
    return schedule_value(lr, step) if isinstance(lr, dict) else lr


class KerasOptimizer:
    """The driver of base_optimizer.py (apply → _backend_apply_gradients): clip, decay, update, count."""

    def __init__(self, cfg, variables):
        self.cfg = cfg
        self.iterations = 0
        self.state = [self.init_state(v) for v in variables]

    def init_state(self, v):
        return {}

    def begin_step(self):
        pass

    def apply(self, variables, grads):
        cfg = self.cfg
        lr = lr_at(cfg, self.iterations)
        grads = clip(grads, cfg)
        if cfg.get("weight_decay"):  # _apply_weight_decay: variable - variable * wd * lr
            for i, v in enumerate(variables):
                variables[i] = v - v * cfg["weight_decay"] * lr
        self.begin_step()
        for i in range(len(variables)):
            variables[i] = self.update(variables[i], grads[i], lr, self.state[i])
        self.iterations += 1
        return variables


class KerasSGD(KerasOptimizer):
    """sgd.py, SGD.update_step."""

    def init_state(self, v):
        return {"m": np.zeros_like(v)}

    def update(self, w, g, lr, s):
        mom = self.cfg.get("momentum", 0.0)
        if mom == 0:
            return w - g * lr
        s["m"] = s["m"] * mom - g * lr
        if self.cfg.get("nesterov", False):
            return w + (s["m"] * mom - g * lr)
        return w + s["m"]


class KerasAdam(KerasOptimizer):
    """adam.py, Adam.update_step (AdamW, adamw.py, is Adam with weight_decay applied by the base)."""

    def init_state(self, v):
        return {"m": np.zeros_like(v), "v": np.zeros_like(v), "vhat": np.zeros_like(v)}

    def update(self, w, g, lr, s):
        b1, b2, eps = self.cfg["beta_1"], self.cfg["beta_2"], self.cfg["epsilon"]
        t = self.iterations + 1
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        v = s["v"]
        if self.cfg.get("amsgrad", False):
            s["vhat"] = np.maximum(s["vhat"], s["v"])
            v = s["vhat"]
        return w - (s["m"] * alpha) / (np.sqrt(v) + eps)


class KerasRMSprop(KerasOptimizer):
    """rmsprop.py, RMSprop.update_step."""

    def init_state(self, v):
        return {"v": np.zeros_like(v), "m": np.zeros_like(v), "a": np.zeros_like(v)}

    def update(self, w, g, lr, s):
        rho, mom, eps = self.cfg["rho"], self.cfg["momentum"], self.cfg["epsilon"]
        s["v"] = rho * s["v"] + (1 - rho) * g * g
        if self.cfg["centered"]:
            s["a"] = rho * s["a"] + (1 - rho) * g
            denominator = s["v"] - s["a"] ** 2 + eps
        else:
            denominator = s["v"] + eps
        increment = lr * g / np.sqrt(denominator)
        if mom > 0:
            s["m"] = mom * s["m"] + increment
            return w - s["m"]
        return w - increment


class KerasAdagrad(KerasOptimizer):
    """adagrad.py, Adagrad.update_step (accumulator starts at initial_accumulator_value)."""

    def init_state(self, v):
        return {"acc": np.full_like(v, self.cfg["initial_accumulator_value"])}

    def update(self, w, g, lr, s):
        s["acc"] = s["acc"] + g * g
        return w - lr * g / np.sqrt(s["acc"] + self.cfg["epsilon"])


class KerasNadam(KerasOptimizer):
    """nadam.py, Nadam._backend_update_step (u_product once per step) and Nadam.update_step."""

    def __init__(self, cfg, variables):
        super().__init__(cfg, variables)
        self.u_product = 1.0

    def init_state(self, v):
        return {"m": np.zeros_like(v), "v": np.zeros_like(v)}

    def begin_step(self):
        self.u_product *= self.cfg["beta_1"] * (1.0 - 0.5 * 0.96 ** (self.iterations + 1))

    def update(self, w, g, lr, s):
        b1, b2, eps = self.cfg["beta_1"], self.cfg["beta_2"], self.cfg["epsilon"]
        t = self.iterations + 1
        u_t = b1 * (1.0 - 0.5 * 0.96 ** t)
        u_t_1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        u_product_t = self.u_product
        u_product_t_1 = u_product_t * u_t_1
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["v"] = s["v"] + (g * g - s["v"]) * (1 - b2)
        m_hat = u_t_1 * s["m"] / (1 - u_product_t_1) + (1 - u_t) * g / (1 - u_product_t)
        v_hat = s["v"] / (1 - b2 ** t)
        return w - (m_hat * lr) / (np.sqrt(v_hat) + eps)


class KerasAdamax(KerasOptimizer):
    """adamax.py, Adamax.update_step."""

    def init_state(self, v):
        return {"m": np.zeros_like(v), "u": np.zeros_like(v)}

    def update(self, w, g, lr, s):
        b1, b2, eps = self.cfg["beta_1"], self.cfg["beta_2"], self.cfg["epsilon"]
        t = self.iterations + 1
        s["m"] = s["m"] + (g - s["m"]) * (1 - b1)
        s["u"] = np.maximum(b2 * s["u"], np.abs(g))
        return w - (lr * s["m"]) / ((1 - b1 ** t) * (s["u"] + eps))


class KerasAdadelta(KerasOptimizer):
    """adadelta.py, Adadelta.update_step."""

    def init_state(self, v):
        return {"g2": np.zeros_like(v), "d2": np.zeros_like(v)}

    def update(self, w, g, lr, s):
        rho, eps = self.cfg["rho"], self.cfg["epsilon"]
        s["g2"] = rho * s["g2"] + (1 - rho) * g * g
        delta = -(np.sqrt(s["d2"] + eps) * g) / np.sqrt(s["g2"] + eps)
        s["d2"] = rho * s["d2"] + (1 - rho) * delta * delta
        return w + lr * delta


KERAS = {"SGD": KerasSGD, "Adam": KerasAdam, "AdamW": KerasAdam, "RMSprop": KerasRMSprop, "Adagrad": KerasAdagrad,
         "Nadam": KerasNadam, "Adamax": KerasAdamax, "Adadelta": KerasAdadelta}


def run_keras(class_name, cfg, initial, grads):
    variables = [w.copy() for w in initial]
    opt = KERAS[class_name](cfg, variables)
    history = []
    for step in grads:
        variables = opt.apply(variables, [g.copy() for g in step])
        history.append([v.copy() for v in variables])
    return history


# ---- Learning-rate schedules (schedules/learning_rate_schedule.py) -------------------------------------------

def schedule_value(spec, step):
    c = spec["config"]
    kind = spec["class_name"]
    if kind == "ExponentialDecay":
        p = step / c["decay_steps"]
        if c["staircase"]:
            p = math.floor(p)
        return c["initial_learning_rate"] * c["decay_rate"] ** p
    if kind == "PiecewiseConstantDecay":
        b, v = c["boundaries"], c["values"]
        if step <= b[0]:
            return v[0]
        if step > b[-1]:
            return v[-1]
        for low, high, value in zip(b[:-1], b[1:], v[1:-1]):
            if low < step <= high:
                return value
    if kind == "InverseTimeDecay":
        p = step / c["decay_steps"]
        if c["staircase"]:
            p = math.floor(p)
        return c["initial_learning_rate"] / (1 + c["decay_rate"] * p)
    if kind == "PolynomialDecay":
        s, decay_steps = float(step), float(c["decay_steps"])
        if c["cycle"]:
            decay_steps *= 1.0 if s == 0 else math.ceil(s / c["decay_steps"])
        else:
            s = min(s, decay_steps)
        p = s / decay_steps
        return (c["initial_learning_rate"] - c["end_learning_rate"]) * (1 - p) ** c["power"] + c["end_learning_rate"]
    if kind == "CosineDecay":
        def decayed(s, start):
            cosine = 0.5 * (1.0 + math.cos(math.pi * s / c["decay_steps"]))
            return start * ((1 - c["alpha"]) * cosine + c["alpha"])
        if c.get("warmup_target") is None:
            return decayed(min(step, c["decay_steps"]), c["initial_learning_rate"])
        s = min(step, c["decay_steps"] + c["warmup_steps"])
        if s < c["warmup_steps"]:
            return (c["warmup_target"] - c["initial_learning_rate"]) * (s / c["warmup_steps"]) + c["initial_learning_rate"]
        return decayed(s - c["warmup_steps"], c["warmup_target"])
    raise ValueError(kind)


def torch_schedule(base_lr, make, steps):
    """The learning rate torch's scheduler gives at each step (read before each optimizer step)."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make(opt)
    values = []
    for _ in range(steps):
        values.append(opt.param_groups[0]["lr"])
        p.grad = torch.zeros(1)
        opt.step()
        sched.step()
    return values


# ---- PyTorch runs --------------------------------------------------------------------------------------------

def run_torch(make_optimizer, initial, grads, clip_fn=None, make_scheduler=None):
    params = [torch.tensor(w, requires_grad=True) for w in initial]
    opt = make_optimizer(params)
    sched = make_scheduler(opt) if make_scheduler else None
    history = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g)
        if clip_fn:
            clip_fn(params)
        opt.step()
        if sched:
            sched.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


def max_difference(a, b):
    return max(float(np.max(np.abs(x - y))) for sa, sb in zip(a, b) for x, y in zip(sa, sb))


def case(name, class_name, cfg, seed, wide, torch_run=None, tolerance=1e-9, note=None, scale=1.0):
    """One fixture case: Keras' formula, and PyTorch's result when torch_run is given (checked to agree)."""
    cfg = {k: (f32(v) if isinstance(v, float) else v) for k, v in cfg.items()}
    initial, grads = problem(seed, wide, scale=scale)
    expected = run_keras(class_name, cfg, initial, grads)
    result = {
        "name": name,
        "optimizer": {"class_name": class_name, "config": cfg},
        "expected_source": f"Keras 3 formula transcribed from keras/src/optimizers/{class_name.lower()}.py (float64)",
        "initial": [w.tolist() for w in initial],
        "gradients": [[g.tolist() for g in step] for step in grads],
        "expected": [[w.tolist() for w in step] for step in expected],
    }
    if torch_run is not None:
        source, make, clip_fn, make_scheduler = torch_run
        reference = run_torch(make, initial, grads, clip_fn, make_scheduler)
        difference = max_difference(expected, reference)
        assert difference <= tolerance, f"{name}: Keras formula and PyTorch differ by {difference} (> {tolerance})"
        result["torch_source"] = source
        result["torch_expected"] = [[w.tolist() for w in step] for step in reference]
        result["torch_max_difference"] = difference
    if note:
        result["note"] = note
    return result


def torch_run(source, make, clip_fn=None, make_scheduler=None):
    return (source, make, clip_fn, make_scheduler)


def compact(value):
    """Floats as short text: inputs are float32 values (their shortest float32 spelling reads back exactly),
    references keep 12 significant digits (far beyond float32's 7)."""
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [compact(v) for v in value]
    if isinstance(value, float):
        if value == float(np.float32(value)):
            return float(str(np.float32(value)))
        return float(f"{value:.12g}")
    return value


def write(name, cases):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name + ".json")
    with open(path, "w") as f:
        json.dump({"generator": "tools/make_optimizer_fixtures.py", "torch_version": torch.__version__, "cases": compact(cases)}, f,
                  separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {len(cases)} cases")


def main():
    L = f32  # hyper-parameters as DeepSharp's float arguments hold them
    B = (L(0.9), L(0.999))
    optim = torch.optim

    exponential = {"class_name": "ExponentialDecay",
                   "config": {"initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0.5, "staircase": False}}
    write("sgd", [
        case("sgd_plain", "SGD", {"learning_rate": 0.1}, 1, False,
             torch_run("torch.optim.SGD(lr=0.1)", lambda p: optim.SGD(p, lr=L(0.1)))),
        case("sgd_momentum", "SGD", {"learning_rate": 0.05, "momentum": 0.9}, 2, True,
             torch_run("torch.optim.SGD(lr=0.05, momentum=0.9)", lambda p: optim.SGD(p, lr=L(0.05), momentum=L(0.9)))),
        case("sgd_nesterov", "SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}, 3, True,
             torch_run("torch.optim.SGD(lr=0.05, momentum=0.9, nesterov=True)",
                       lambda p: optim.SGD(p, lr=L(0.05), momentum=L(0.9), nesterov=True))),
        # Plain SGD: Keras' decoupled decay (w -= lr·wd·w, then w -= lr·g) equals PyTorch's L2 term (g += wd·w).
        case("sgd_weight_decay", "SGD", {"learning_rate": 0.1, "weight_decay": 0.2}, 4, False,
             torch_run("torch.optim.SGD(lr=0.1, weight_decay=0.2)", lambda p: optim.SGD(p, lr=L(0.1), weight_decay=L(0.2)))),
        # Keras evaluates the schedule at `iterations` (0 for the first step); torch's ExponentialLR stepped once
        # per optimizer step gives the same rates.
        case("sgd_exponential_schedule", "SGD", {"learning_rate": exponential, "momentum": 0.0}, 5, False,
             torch_run("torch.optim.SGD(lr=0.1) + lr_scheduler.ExponentialLR(gamma=0.5)",
                       lambda p: optim.SGD(p, lr=0.1),
                       make_scheduler=lambda o: optim.lr_scheduler.ExponentialLR(o, gamma=0.5))),
        # With momentum and a changing rate the two differ: Keras' velocity accumulates lr·g (v = μv − lr·g),
        # PyTorch's buffer accumulates g and is scaled by the current rate. Keras' formula only.
        case("sgd_momentum_exponential_schedule", "SGD", {"learning_rate": exponential, "momentum": 0.5}, 6, False),
    ])

    # Adam: Keras adds epsilon to √v before the bias correction, PyTorch after; with epsilon = 1e-12 and
    # gradients away from zero the two agree to ~1e-9 relative, which anchors the transcription.
    adam_torch = lambda amsgrad: torch_run(f"torch.optim.Adam(lr=0.01, eps=1e-12, amsgrad={amsgrad})",
                                           lambda p: optim.Adam(p, lr=L(0.01), betas=B, eps=L(1e-12), amsgrad=amsgrad))
    adam = {"learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-12}
    write("adam", [
        case("adam_keras_defaults", "Adam", {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False},
             10, True, note="gradients from 1e-8 to 10: epsilon's placement (Keras', not PyTorch's) decides the small ones"),
        case("adam_amsgrad_wide", "Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-7, "amsgrad": True},
             11, True),
        case("adam_torch_anchor", "Adam", dict(adam, amsgrad=False), 12, False, adam_torch(False), tolerance=1e-10),
        case("adam_amsgrad_torch_anchor", "Adam", dict(adam, amsgrad=True), 13, False, adam_torch(True), tolerance=1e-10),
    ])

    write("adamw", [
        case("adamw_keras_defaults", "AdamW",
             {"learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}, 20, True),
        case("adamw_torch_anchor", "AdamW", dict(adam, weight_decay=0.1, amsgrad=False), 21, False,
             torch_run("torch.optim.AdamW(lr=0.01, weight_decay=0.1, eps=1e-12)",
                       lambda p: optim.AdamW(p, lr=L(0.01), betas=B, weight_decay=L(0.1), eps=L(1e-12))), tolerance=1e-10),
    ])

    # RMSprop: Keras puts epsilon inside the square root, PyTorch outside; with epsilon = 1e-12 they agree.
    rms = {"learning_rate": 0.01, "rho": 0.9, "epsilon": 1e-12}
    write("rmsprop", [
        case("rmsprop_keras_defaults", "RMSprop", {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False},
             30, True),
        case("rmsprop_centered_momentum_wide", "RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.9, "epsilon": 1e-7, "centered": True},
             31, True),
        case("rmsprop_torch_anchor", "RMSprop", dict(rms, momentum=0.0, centered=False), 32, False,
             torch_run("torch.optim.RMSprop(lr=0.01, alpha=0.9, eps=1e-12)",
                       lambda p: optim.RMSprop(p, lr=L(0.01), alpha=L(0.9), eps=L(1e-12))), tolerance=1e-10),
        case("rmsprop_centered_momentum_torch_anchor", "RMSprop", dict(rms, momentum=0.5, centered=True), 33, False,
             torch_run("torch.optim.RMSprop(lr=0.01, alpha=0.9, eps=1e-12, momentum=0.5, centered=True)",
                       lambda p: optim.RMSprop(p, lr=L(0.01), alpha=L(0.9), eps=L(1e-12), momentum=L(0.5), centered=True)),
             tolerance=1e-10),
    ])

    # Adagrad: same algorithm; epsilon inside (Keras) or outside (PyTorch) the root changes nothing visible
    # while the accumulator starts at 0.1.
    write("adagrad", [
        case("adagrad_keras_defaults", "Adagrad", {"learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7}, 40, True,
             torch_run("torch.optim.Adagrad(lr=0.001, initial_accumulator_value=0.1, eps=1e-7)",
                       lambda p: optim.Adagrad(p, lr=L(0.001), initial_accumulator_value=L(0.1), eps=L(1e-7))), tolerance=1e-9),
        case("adagrad_large_lr", "Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-7}, 41, False,
             torch_run("torch.optim.Adagrad(lr=0.1, initial_accumulator_value=0.5, eps=1e-7)",
                       lambda p: optim.Adagrad(p, lr=L(0.1), initial_accumulator_value=L(0.5), eps=L(1e-7))), tolerance=1e-8),
        case("adagrad_zero_accumulator_wide", "Adagrad", {"learning_rate": 0.01, "initial_accumulator_value": 0.0, "epsilon": 1e-7}, 42, True,
             note="accumulator from 0 and tiny gradients: epsilon inside the root (Keras) matters here"),
    ])

    # Nadam: Keras' momentum schedule mu_t = beta_1·(1 − 0.5·0.96^t) is PyTorch's with momentum_decay = 1.
    # torch 1.13's single-tensor NAdam multiplies mu_t into the next product twice; its foreach path is right.
    nadam_torch = torch_run("torch.optim.NAdam(lr=0.01, momentum_decay=1.0, eps=1e-7, foreach=True)",
                            lambda p: optim.NAdam(p, lr=L(0.01), betas=B, momentum_decay=1.0, eps=L(1e-7), foreach=True))
    write("nadam", [
        case("nadam_keras_defaults", "Nadam", {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}, 50, True),
        case("nadam_torch_anchor_wide", "Nadam", {"learning_rate": 0.01, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}, 51, True,
             nadam_torch, tolerance=1e-10),
    ])

    # Adamax: PyTorch adds epsilon to |g| inside the max, Keras to u after it; they agree with epsilon = 1e-12.
    write("adamax", [
        case("adamax_keras_defaults", "Adamax", {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}, 60, True),
        case("adamax_torch_anchor", "Adamax", {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-12}, 61, False,
             torch_run("torch.optim.Adamax(lr=0.02, betas=(0.8, 0.99), eps=1e-12)",
                       lambda p: optim.Adamax(p, lr=L(0.02), betas=(L(0.8), L(0.99)), eps=L(1e-12))), tolerance=1e-10),
    ])

    # Adadelta: the same algorithm in both (epsilon inside both roots); only the default learning rate differs.
    write("adadelta", [
        case("adadelta_keras_defaults", "Adadelta", {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7}, 70, True,
             torch_run("torch.optim.Adadelta(lr=0.001, rho=0.95, eps=1e-7)",
                       lambda p: optim.Adadelta(p, lr=L(0.001), rho=L(0.95), eps=L(1e-7))), tolerance=1e-12),
        case("adadelta_lr1_large_eps", "Adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-3}, 71, False,
             torch_run("torch.optim.Adadelta(lr=1.0, rho=0.9, eps=1e-3)",
                       lambda p: optim.Adadelta(p, lr=1.0, rho=L(0.9), eps=L(1e-3))), tolerance=1e-12),
    ])

    # Clipping: torch.nn.utils.clip_grad_norm_ divides by (norm + 1e-6), Keras by norm, hence the looser bound.
    clip_norm = lambda limit: lambda params: [torch.nn.utils.clip_grad_norm_([p], limit) for p in params]
    clip_global = lambda limit: lambda params: torch.nn.utils.clip_grad_norm_(params, limit)
    clip_value = lambda limit: lambda params: torch.nn.utils.clip_grad_value_(params, limit)
    sgd = lambda p: optim.SGD(p, lr=L(0.1))
    write("clipping", [
        case("sgd_clipnorm", "SGD", {"learning_rate": 0.1, "clipnorm": 1.5}, 80, False,
             torch_run("clip_grad_norm_(each parameter, 1.5) + torch.optim.SGD(lr=0.1)", sgd, clip_norm(L(1.5))), tolerance=1e-7),
        case("sgd_global_clipnorm", "SGD", {"learning_rate": 0.1, "global_clipnorm": 2.0}, 81, False,
             torch_run("clip_grad_norm_(all parameters, 2.0) + torch.optim.SGD(lr=0.1)", sgd, clip_global(L(2.0))), tolerance=1e-7),
        case("sgd_clipvalue", "SGD", {"learning_rate": 0.1, "clipvalue": 0.5}, 82, False,
             torch_run("clip_grad_value_(0.5) + torch.optim.SGD(lr=0.1)", sgd, clip_value(L(0.5))), tolerance=1e-12),
        case("sgd_clipnorm_small_gradients", "SGD", {"learning_rate": 0.1, "clipnorm": 100.0}, 83, False,
             torch_run("clip_grad_norm_(each parameter, 100) + torch.optim.SGD(lr=0.1)", sgd, clip_norm(100.0)), tolerance=1e-12,
             note="norms below the limit: gradients pass unchanged"),
        case("adam_global_clipnorm", "Adam", dict(adam, amsgrad=False, global_clipnorm=1.0), 84, False,
             torch_run("clip_grad_norm_(all parameters, 1.0) + torch.optim.Adam(lr=0.01, eps=1e-12)",
                       lambda p: optim.Adam(p, lr=L(0.01), betas=B, eps=L(1e-12)), clip_global(1.0)), tolerance=1e-7),
        case("rmsprop_clipvalue_wide", "RMSprop", {"learning_rate": 0.01, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                                                   "centered": False, "clipvalue": 0.1}, 85, True),
    ])

    schedules()


def schedules():
    steps = 15
    lr_sched = torch.optim.lr_scheduler

    def sched(class_name, config, make_torch=None, torch_source=None, torch_steps=steps, tolerance=1e-12):
        # Schedules take double arguments in DeepSharp (and return the rate as a float32), so no rounding here.
        spec = {"class_name": class_name, "config": config}
        values = [schedule_value(spec, s) for s in range(steps)]
        result = {"schedule": spec, "steps": list(range(steps)), "expected": values,
                  "expected_source": "Keras 3 formula transcribed from keras/src/optimizers/schedules/learning_rate_schedule.py"}
        if make_torch:
            base = config.get("initial_learning_rate", config.get("values", [None])[0])
            if config.get("warmup_target") is not None:
                base = config["warmup_target"]
            reference = torch_schedule(base, make_torch, torch_steps)
            difference = max(abs(a - b) for a, b in zip(values, reference))
            assert difference <= tolerance, f"{class_name}: Keras formula and PyTorch differ by {difference}"
            result["torch_source"] = torch_source
            result["torch_steps"] = list(range(torch_steps))
            result["torch_expected"] = reference
            result["torch_max_difference"] = difference
        return result

    cases = [
        sched("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 1, "decay_rate": 0.9, "staircase": False},
              lambda o: lr_sched.ExponentialLR(o, gamma=0.9), "ExponentialLR(gamma=0.9)"),
        sched("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5, "staircase": True},
              lambda o: lr_sched.StepLR(o, step_size=3, gamma=0.5), "StepLR(step_size=3, gamma=0.5)"),
        sched("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5, "staircase": False}),
        # Keras keeps values[i] up to and including boundary i; torch's MultiStepLR switches at the milestone,
        # so Keras boundaries [3, 7] are torch milestones [4, 8].
        sched("PiecewiseConstantDecay", {"boundaries": [3, 7], "values": [0.1, 0.01, 0.001]},
              lambda o: lr_sched.MultiStepLR(o, milestones=[4, 8], gamma=0.1), "MultiStepLR(milestones=[4, 8], gamma=0.1)"),
        sched("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5, "staircase": False}),
        sched("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.5, "staircase": True}),
        # torch's cosine continues past T_max (it rises again); Keras stays at alpha·initial, so compare up to T_max.
        sched("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.1, "warmup_target": None, "warmup_steps": 0},
              lambda o: lr_sched.CosineAnnealingLR(o, T_max=10, eta_min=0.1 * 0.1), "CosineAnnealingLR(T_max=10, eta_min=0.01)",
              torch_steps=11),
        # Warmup 0.01 → 0.1 over 5 steps is torch's LinearLR from factor 0.1 on base 0.1 (compared over the warmup).
        sched("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 8, "alpha": 0.0, "warmup_target": 0.1, "warmup_steps": 5},
              lambda o: lr_sched.LinearLR(o, start_factor=0.01 / 0.1, end_factor=1.0, total_iters=5),
              "LinearLR(start_factor=0.1, total_iters=5) on base 0.1", torch_steps=6),
        sched("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 10, "end_learning_rate": 0.0, "power": 2.0, "cycle": False},
              lambda o: lr_sched.PolynomialLR(o, total_iters=10, power=2.0), "PolynomialLR(total_iters=10, power=2)"),
        sched("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "end_learning_rate": 0.01, "power": 0.5, "cycle": True}),
        sched("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 4, "end_learning_rate": 0.01, "power": 1.0, "cycle": False}),
    ]
    write("schedules", cases)


if __name__ == "__main__":
    main()

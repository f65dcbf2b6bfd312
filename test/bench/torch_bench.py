#!/usr/bin/env python3
"""PyTorch side of the kdlab benchmark (issue 6): the same workloads, the same architectures.

A long-lived worker driven by test/bench/run.ts over JSON lines so that PyTorch windows can be
interleaved with the kdlab windows of the same invocation (a busy machine then slows both alike).

Protocol: one JSON request per stdin line, e.g. {"id": 3, "cmd": "window", "steps": 20}; one reply
per request on stdout, a line starting with REPLY_PREFIX followed by JSON ({"id", "ok", ...} or
{"id", "ok": false, "error"}). Anything else on stdout/stderr is a log line for the orchestrator.

Architectures are not written down twice: the kdlab worker describes its tfjs models as a small
layer spec (see test/bench/spec.ts) and this script builds the torch equivalent from it, then
reports parameter counts so the orchestrator can check both sides train the same network.
Teacher under torch.no_grad() and eval() (dropout off), student in train(); Adam as in tfjs
(lr 1e-3, betas 0.9/0.999, eps 1e-7); losses read back with .item() each step because the
Distiller reports every loss term per batch.
"""
import gc
import json
import math
import os
import resource
import sys
import time
import traceback
import warnings

REPLY_PREFIX = "@@bench "


def reply(obj):
    sys.stdout.write(REPLY_PREFIX + json.dumps(obj) + "\n")
    sys.stdout.flush()


try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except Exception as exc:  # torch missing: say so in the handshake and exit cleanly
    reply({"id": 0, "ok": False, "error": "torch not importable: %s" % exc,
           "hint": "pip install torch==2.13.0+cpu"})
    sys.exit(0)

# One worker per thread count: run.ts starts one with `--threads 1` and one with `--threads <cores>` (its
# --torch-threads) and reports the better, because OpenMP threads collapse when another process holds a core.
THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else (os.cpu_count() or 1)
torch.set_num_threads(THREADS)


# ---------------------------------------------------------------------------------- models
ACTIVATIONS = {
    None: None, "linear": None, "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
    "elu": nn.ELU, "gelu": nn.GELU, "selu": nn.SELU, "softplus": nn.Softplus,
}


def activation(name):
    if name not in ACTIVATIONS:
        raise ValueError("activation: unsupported %r (known: %s)" % (name, sorted(k for k in ACTIVATIONS if k)))
    cls = ACTIVATIONS[name]
    return [cls()] if cls else []


class L2Normalize(nn.Module):
    def forward(self, x):
        return F.normalize(x, p=2.0, dim=-1, eps=1e-12)


class ToChannelsFirst(nn.Module):
    """Inputs arrive NHWC like tfjs; convert once so convs run in torch's native NCHW."""

    def forward(self, x):
        return x.permute(0, 3, 1, 2).contiguous()


def same_padding(kernel, stride):
    # torch's padding='same' only exists for stride 1; for larger strides use the symmetric part
    # of TF's SAME padding (shapes can differ by one pixel; the cost difference is negligible).
    if all(s == 1 for s in stride):
        return "same"
    return tuple(k // 2 for k in kernel)


def build(spec):
    """nn.Sequential from a kdlab layer spec: {"input": [...], "layers": [{"type": ...}, ...]}."""
    mods = []
    image = len(spec["input"]) == 3
    if image:
        mods.append(ToChannelsFirst())
    for i, layer in enumerate(spec["layers"]):
        kind = layer["type"]
        if kind == "dense":
            mods.append(nn.LazyLinear(layer["units"], bias=layer.get("bias", True)))
            mods += activation(layer.get("activation"))
        elif kind == "conv2d":
            k, s = tuple(layer["kernel"]), tuple(layer["strides"])
            pad = same_padding(k, s) if layer["padding"] == "same" else 0
            mods.append(nn.LazyConv2d(layer["filters"], k, stride=s, padding=pad, bias=layer.get("bias", True)))
            mods += activation(layer.get("activation"))
        elif kind in ("maxpool", "avgpool"):
            cls = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
            mods.append(cls(tuple(layer["pool"]), stride=tuple(layer["strides"]), ceil_mode=layer["padding"] == "same"))
        elif kind == "globalavgpool":
            mods += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        elif kind == "flatten":
            mods.append(nn.Flatten())
        elif kind == "dropout":
            mods.append(nn.Dropout(layer["rate"]))
        elif kind == "activation":
            mods += activation(layer["activation"])
        elif kind == "batchnorm":
            mods.append(nn.LazyBatchNorm2d() if image and not _flattened(spec, i) else nn.LazyBatchNorm1d())
        elif kind == "l2normalize":
            mods.append(L2Normalize())
        else:
            raise ValueError("spec.layers[%d].type: unsupported %r" % (i, kind))
    model = nn.Sequential(*mods)
    with torch.no_grad():  # materialise the lazy modules
        model.eval()
        model(torch.zeros([2] + list(spec["input"])))
    return model


def _flattened(spec, index):
    return any(l["type"] in ("flatten", "globalavgpool") for l in spec["layers"][:index])


def n_params(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------- losses
def hinton_loss(s, t, y, temperature, alpha):
    """alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) * CE(s, y)  (Hinton et al. 2015)."""
    kl = F.kl_div(F.log_softmax(s / temperature, -1), F.log_softmax(t / temperature, -1),
                  reduction="batchmean", log_target=True) * temperature * temperature
    ce = F.cross_entropy(s, y)
    return alpha * kl + (1 - alpha) * ce, {"kd": kl, "task": ce}


def _pdist(e):
    sq = (e * e).sum(1)
    d2 = (sq[:, None] + sq[None, :] - 2 * e @ e.t()).clamp(min=1e-12)
    d = d2.sqrt() * (1 - torch.eye(len(e), dtype=e.dtype))
    return d


def _angles(e):
    """cos of the angle at anchor a between b and c, [N, N, N] (a, b, c), from the Gram matrix of the centred batch:
    (x_b - x_a).(x_c - x_a) = G_bc - G_ab - G_ac + G_aa over |x_b - x_a| |x_c - x_a|, 0 where a difference is 0 (as
    F.normalize gives). The same values as the authors' [N, N, D] differences and bmm, without them: kdlab computes
    RKD this way, so PyTorch does too (a fair comparison gives both the faster algorithm)."""
    e = e - e.mean(0, keepdim=True)
    g = e @ e.t()
    diag = g.diagonal()
    dot = g[None, :, :] - g[:, :, None] - g[:, None, :] + diag[:, None, None]
    d2 = (diag[:, None] + diag[None, :] - 2 * g).clamp(min=0)
    inv = torch.where(d2 > 1e-12, d2.clamp(min=1e-12).rsqrt(), torch.zeros_like(d2))
    return dot * inv[:, :, None] * inv[:, None, :]


def rkd_loss(s, t, distance_weight=25.0, angle_weight=50.0):
    """Park et al. 2019: distance term on mean-normalised pairwise distances, angle term over all
    ordered triplets; smooth-L1 (delta 1), mean."""
    with torch.no_grad():
        td = _pdist(t)
        td = td / td[td > 0].mean()
        ta = _angles(t).reshape(-1)
    sd = _pdist(s)
    sd = sd / sd[sd > 0].mean()
    sa = _angles(s).reshape(-1)
    dist = F.smooth_l1_loss(sd, td)
    ang = F.smooth_l1_loss(sa, ta)
    return distance_weight * dist + angle_weight * ang, {"rkdDistance": dist, "rkdAngle": ang}


# ---------------------------------------------------------------------------------- workloads
class Pool:
    """Synthetic in-memory data set drawn in shuffled batches, like the Distiller's batches()."""

    def __init__(self, sample_shape, batch, classes=10, batches=16, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.n = batch * batches
        self.batch = batch
        self.x = torch.rand([self.n] + list(sample_shape), generator=g)
        self.y = torch.randint(0, classes, (self.n,), generator=g)
        self.order = torch.randperm(self.n, generator=g)
        self.pos = 0

    def next(self):
        if self.pos + self.batch > self.n:
            self.order = torch.randperm(self.n)
            self.pos = 0
        idx = self.order[self.pos:self.pos + self.batch]
        self.pos += self.batch
        return self.x[idx], self.y[idx]


class DistillStep:
    def __init__(self, req):
        self.batch = req["batch"]
        self.teacher = build(req["teacher"])
        self.student = build(req["student"])
        self.teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.student.train()
        self.opt = torch.optim.Adam(self.student.parameters(), lr=req.get("learningRate", 1e-3), eps=1e-7)
        self.loss = req["loss"]
        self.options = req.get("options", {})
        self.pool = Pool(req["teacher"]["input"], self.batch, seed=req.get("seed", 0))

    def info(self):
        return {"params": {"teacher": n_params(self.teacher), "student": n_params(self.student)}}

    def step(self):
        x, y = self.pool.next()
        with torch.no_grad():
            t = self.teacher(x)
        s = self.student(x)
        if self.loss == "hinton":
            total, terms = hinton_loss(s, t, y, self.options.get("temperature", 4.0), self.options.get("alpha", 0.9))
        elif self.loss == "rkd":
            total, terms = rkd_loss(s, t, self.options.get("distanceWeight", 25.0), self.options.get("angleWeight", 50.0))
        else:
            raise ValueError("loss: unsupported %r (expected 'hinton' or 'rkd')" % self.loss)
        self.opt.zero_grad(set_to_none=True)
        total.backward()
        self.opt.step()
        values = {k: v.item() for k, v in terms.items()}
        values["total"] = total.item()
        return values


class MatMul:
    def __init__(self, req):
        n = req["n"]
        g = torch.Generator().manual_seed(0)
        self.a = torch.rand(n, n, generator=g)
        self.b = torch.rand(n, n, generator=g)
        self.n = n
        self.batch = 1

    def info(self):
        return {"flopsPerSample": 2 * self.n ** 3}

    def step(self):
        c = self.a @ self.b
        return {"total": c[0, 0].item()}


WORKLOADS = {"distill": DistillStep, "matmul": MatMul}


def live_tensors():
    """Live torch tensors (the counterpart of tf.memory().numTensors), found through the garbage collector."""
    gc.collect()
    count = 0
    with warnings.catch_warnings():  # isinstance() on some torch module objects emits deprecation warnings
        warnings.simplefilter("ignore")
        for obj in gc.get_objects():
            try:
                if isinstance(obj, torch.Tensor):
                    count += 1
            except Exception:
                pass
    return count


def max_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def main():
    reply({"id": 0, "ok": True, "hello": {"impl": "pytorch", "version": torch.__version__,
                                          "threads": torch.get_num_threads(), "cpus": os.cpu_count()}})
    work = None
    tensors_start = None
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        rid = req.get("id")
        try:
            cmd = req["cmd"]
            if cmd == "setup":
                tensors_start = live_tensors()
                cls = WORKLOADS.get(req["kind"])
                if cls is None:
                    raise ValueError("kind: expected one of %s, got %r" % (sorted(WORKLOADS), req["kind"]))
                work = cls(req)
                for _ in range(req.get("warmup", 3)):
                    work.step()
                t0 = time.perf_counter()
                probe = req.get("probe", 2)
                for _ in range(probe):
                    work.step()
                info = work.info()
                info["secondsPerStep"] = (time.perf_counter() - t0) / probe
                reply({"id": rid, "ok": True, **info})
            elif cmd == "window":
                before = live_tensors()
                steps = int(req["steps"])
                last = {}
                t0 = time.perf_counter()
                for _ in range(steps):
                    last = work.step()
                seconds = time.perf_counter() - t0
                after = live_tensors()
                reply({"id": rid, "ok": True, "seconds": seconds, "samples": steps * work.batch,
                       "steps": steps, "tensorsBefore": before, "tensorsAfter": after,
                       "finite": all(math.isfinite(v) for v in last.values()), "losses": last})
            elif cmd == "teardown":
                work = None
                after = live_tensors()
                reply({"id": rid, "ok": True, "tensorsStart": tensors_start, "tensorsEnd": after,
                       "maxRssKB": max_rss_kb()})
            elif cmd == "exit":
                reply({"id": rid, "ok": True})
                return
            else:
                raise ValueError("cmd: unknown %r" % cmd)
        except Exception as exc:
            reply({"id": rid, "ok": False, "error": "%s: %s" % (type(exc).__name__, exc),
                   "trace": traceback.format_exc()})


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Reference forward outputs and gradients for HeartStream.Training.Nn, computed by PyTorch 1.13.

Usage: /usr/bin/python3 make_grad_fixtures.py [OUT_DIR]   (default: the folder of this script)

Every input and weight is drawn in float32 from a fixed seed and then evaluated in float64, so the
reference is the (near-)exact answer for the float32 values the C# side loads; the C# float32 code
must agree to 1e-5 (relative for values above 1). One JSON file per case:
  {"case": str, "attrs": {...}, "param_order": [names], "tensors": {name: {"shape": [...], "data": [...]}}}
Naming: x (input), gy (upstream gradient), y (output), dx (input gradient), p.<name> parameter value
before the step, g.<name> its gradient, b.<name> buffers after the step.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
torch.set_default_dtype(torch.float64)


def f32(*shape, scale=1.0):
    """Random normal values rounded to float32, returned as float64."""
    return (torch.randn(*shape, dtype=torch.float32) * scale).to(torch.float64)


def init_f32(module):
    """Round every parameter and buffer of a float64 module to float32 values."""
    with torch.no_grad():
        for t in list(module.parameters()) + [b for b in module.buffers() if b.is_floating_point()]:
            t.copy_(t.float().double())
    return module


def enc(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": [float("%.10g" % v) for v in t.reshape(-1).tolist()]}


def enc_int(t):
    return {"shape": list(t.shape), "data": [int(v) for v in t.reshape(-1).tolist()]}


def save(case, tensors, attrs=None, param_order=None):
    doc = {"case": case, "attrs": attrs or {}, "param_order": param_order or [], "tensors": tensors}
    with open(os.path.join(OUT, case + ".json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))


def layer_case(case, module, x, attrs=None, training=True, seed_gy=0):
    module.train(training)
    names = [n for n, _ in module.named_parameters()]
    tensors = {"x": enc(x)}
    for n, p in module.named_parameters():
        tensors["p." + n] = enc(p)
    for n, b in module.named_buffers():
        if b.is_floating_point():
            tensors["p." + n] = enc(b)
    x = x.clone().requires_grad_(True)
    y = module(x)
    torch.manual_seed(1000 + seed_gy)
    gy = f32(*y.shape)
    y.backward(gy)
    tensors.update({"gy": enc(gy), "y": enc(y), "dx": enc(x.grad)})
    for n, p in module.named_parameters():
        tensors["g." + n] = enc(p.grad)
    for n, b in module.named_buffers():
        if b.is_floating_point():
            tensors["b." + n] = enc(b)
    save(case, tensors, attrs, names)


class Residual(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return x + self.inner(x)


class ConcatSkip(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return torch.cat([x, self.inner(x)], dim=1)


class PadConv1d(nn.Conv1d):
    """Conv1d after F.pad(x, (left, right)): asymmetric zero padding (ONNX Conv pads [begin, end])."""

    def __init__(self, *args, left=0, right=0, **kwargs):
        super().__init__(*args, padding=0, **kwargs)
        self.left, self.right = left, right

    def forward(self, x):
        return super().forward(F.pad(x, (self.left, self.right)))


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean(dim=2)


def main():
    os.makedirs(OUT, exist_ok=True)

    torch.manual_seed(1)
    layer_case("conv1d_stride2_pad3_dil2", init_f32(nn.Conv1d(3, 4, 3, stride=2, padding=3, dilation=2)), f32(2, 3, 17),
               {"in": 3, "out": 4, "kernel": 3, "stride": 2, "padding": 3, "dilation": 2})
    torch.manual_seed(2)
    layer_case("conv1d_same_k5_dil2", init_f32(nn.Conv1d(3, 5, 5, padding=4, dilation=2)), f32(2, 3, 21),
               {"in": 3, "out": 5, "kernel": 5, "stride": 1, "padding": 4, "dilation": 2})
    torch.manual_seed(3)
    bn = nn.BatchNorm1d(4, momentum=0.1)
    with torch.no_grad():
        bn.weight.copy_(f32(4) * 0.5 + 1)
        bn.bias.copy_(f32(4) * 0.5)
        bn.running_mean.copy_(f32(4) * 0.3)
        bn.running_var.copy_(f32(4).abs() + 0.5)
    init_f32(bn)
    layer_case("batchnorm1d_train", bn, f32(3, 4, 10, scale=2.0) + 0.7, {"channels": 4, "momentum": 0.1})
    bn_eval = nn.BatchNorm1d(4)
    bn_eval.load_state_dict(bn.state_dict())
    torch.manual_seed(4)
    layer_case("batchnorm1d_eval", bn_eval, f32(3, 4, 10), {"channels": 4}, training=False)
    torch.manual_seed(5)
    layer_case("relu", nn.ReLU(), f32(2, 3, 8))
    torch.manual_seed(6)
    layer_case("gelu", nn.GELU(), f32(2, 3, 8, scale=2.0))
    torch.manual_seed(7)
    layer_case("maxpool1d", nn.MaxPool1d(2), f32(2, 3, 9))
    torch.manual_seed(8)
    layer_case("upsample1d", nn.Upsample(scale_factor=2, mode="nearest"), f32(2, 3, 5))
    torch.manual_seed(9)
    layer_case("linear", init_f32(nn.Linear(6, 3)), f32(5, 6), {"in": 6, "out": 3})
    torch.manual_seed(10)
    layer_case("globalavgpool1d", GlobalAvgPool(), f32(2, 3, 7))

    # Weighted cross-entropy with ignore_index=-1, mean reduction (divides by the weight sum of kept targets).
    torch.manual_seed(11)
    logits = f32(2, 4, 11, scale=2.0).requires_grad_(True)
    targets = torch.randint(0, 4, (2, 11))
    targets[torch.rand(2, 11) < 0.25] = -1
    weights = torch.tensor([0.5, 2.0, 1.0, 1.5])
    loss = F.cross_entropy(logits, targets, weight=weights, ignore_index=-1)
    loss.backward()
    save("cross_entropy_segmentation", {"x": enc(logits), "targets": enc_int(targets), "weights": enc(weights),
                                         "loss": enc(loss.reshape(1)), "dx": enc(logits.grad)})
    torch.manual_seed(12)
    logits = f32(6, 3, scale=2.0).requires_grad_(True)
    targets = torch.randint(0, 3, (6,))
    weights = torch.tensor([1.0, 3.0, 0.25])
    loss = F.cross_entropy(logits, targets, weight=weights)
    loss.backward()
    save("cross_entropy_classification", {"x": enc(logits), "targets": enc_int(targets), "weights": enc(weights),
                                           "loss": enc(loss.reshape(1)), "dx": enc(logits.grad)})

    # AdamW: 3 steps on Linear(4, 3) + cross-entropy; parameters after each step.
    torch.manual_seed(13)
    model = init_f32(nn.Linear(4, 3))
    x = f32(8, 4)
    targets = torch.randint(0, 3, (8,))
    tensors = {"x": enc(x), "targets": enc_int(targets)}
    for n, p in model.named_parameters():
        tensors["p." + n] = enc(p)
    opt = torch.optim.AdamW(model.parameters(), lr=0.05, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
    for step in range(1, 4):
        opt.zero_grad()
        F.cross_entropy(model(x), targets).backward()
        opt.step()
        for n, p in model.named_parameters():
            tensors["step%d.%s" % (step, n)] = enc(p)
    save("adamw_linear_3steps", tensors, {"lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1},
         [n for n, _ in model.named_parameters()])

    # Tiny segmentation model: Conv-BN-ReLU-Conv, weighted CE with ignored frames; all gradients.
    torch.manual_seed(14)
    model = init_f32(nn.Sequential(nn.Conv1d(4, 8, 5, padding=2), nn.BatchNorm1d(8), nn.ReLU(), nn.Conv1d(8, 3, 3, padding=1)))
    with torch.no_grad():
        model[1].weight.copy_(f32(8) * 0.3 + 1)
        model[1].bias.copy_(f32(8) * 0.3)
    model.train()
    x = f32(2, 4, 16).requires_grad_(True)
    targets = torch.randint(0, 3, (2, 16))
    targets[torch.rand(2, 16) < 0.2] = -1
    weights = torch.tensor([1.0, 0.5, 2.0])
    tensors = {"x": enc(x), "targets": enc_int(targets), "weights": enc(weights)}
    for n, p in model.named_parameters():
        tensors["p." + n] = enc(p)
    for n, b in model.named_buffers():
        if b.is_floating_point():
            tensors["p." + n] = enc(b)
    y = model(x)
    loss = F.cross_entropy(y, targets, weight=weights, ignore_index=-1)
    loss.backward()
    tensors.update({"y": enc(y), "loss": enc(loss.reshape(1)), "dx": enc(x.grad)})
    for n, p in model.named_parameters():
        tensors["g." + n] = enc(p.grad)
    for n, b in model.named_buffers():
        if b.is_floating_point():
            tensors["b." + n] = enc(b)
    save("tiny_model_conv_bn_relu_conv", tensors, {}, [n for n, _ in model.named_parameters()])

    # Skip connections: Conv -> Residual(Conv, GELU) -> ConcatSkip(MaxPool, Conv, Upsample) -> Conv1x1.
    torch.manual_seed(15)
    model = init_f32(nn.Sequential(
        nn.Conv1d(4, 4, 3, padding=1),
        Residual(nn.Sequential(nn.Conv1d(4, 4, 3, padding=1), nn.GELU())),
        ConcatSkip(nn.Sequential(nn.MaxPool1d(2), nn.Conv1d(4, 4, 3, padding=1), nn.Upsample(scale_factor=2))),
        nn.Conv1d(8, 3, 1)))
    layer_case("skip_blocks", model, f32(2, 4, 16))

    # Asymmetric padding, as a bounded-look-ahead TCN layer uses: 7 frames of past, 1 of future (kernel 5, dilation 2).
    torch.manual_seed(16)
    layer_case("conv1d_asym_pad7_1_k5_dil2", init_f32(PadConv1d(3, 4, 5, dilation=2, left=7, right=1)), f32(2, 3, 19),
               {"in": 3, "out": 4, "kernel": 5, "stride": 1, "padding": 7, "padding_right": 1, "dilation": 2})


    # Cross-entropy against soft targets (distillation from a teacher's posteriors): frames whose targets sum to 0
    # (padding) are left out; mean over the kept frames.
    torch.manual_seed(17)
    logits = f32(2, 4, 11, scale=2.0).requires_grad_(True)
    soft = F.softmax(f32(2, 4, 11, scale=2.0), dim=1).float().double()
    soft[:, :, torch.rand(11) < 0.25] = 0.0
    kept = soft.sum(1) > 0
    loss = -(soft * F.log_softmax(logits, dim=1)).sum(1)[kept].mean()
    loss.backward()
    save("soft_cross_entropy_segmentation", {"x": enc(logits), "soft": enc(soft), "loss": enc(loss.reshape(1)),
                                              "dx": enc(logits.grad)})


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Makes tiny_conv.onnx and its golden input/output for the ONNX Runtime binding tests.

Model: Conv1d(4->8, k=5, pad=2) -> ReLU -> Conv1d(8->4, k=5, pad=2) -> Softmax over channels,
input "features" [batch, 4, time], output "probabilities" [batch, 4, time], dynamic batch and time.
Run from this folder:  /usr/bin/python3 make_fixture.py   (Debian python3-torch 1.13, numpy)
Outputs: tiny_conv.onnx, golden_input.f32 (2x4x37 float32 LE), golden_output.f32 (2x4x37 float32 LE, torch's result).
"""
import numpy as np
import torch

torch.manual_seed(1234)
model = torch.nn.Sequential(
    torch.nn.Conv1d(4, 8, 5, padding=2),
    torch.nn.ReLU(),
    torch.nn.Conv1d(8, 4, 5, padding=2),
    torch.nn.Softmax(dim=1),
).eval()

x = torch.randn(2, 4, 37)
with torch.no_grad():
    y = model(x)

torch.onnx.export(
    model, x, "tiny_conv.onnx", opset_version=17,
    input_names=["features"], output_names=["probabilities"],
    dynamic_axes={"features": {0: "batch", 2: "time"}, "probabilities": {0: "batch", 2: "time"}},
)
x.numpy().astype("<f4").tofile("golden_input.f32")
y.numpy().astype("<f4").tofile("golden_output.f32")
print("ok", tuple(y.shape))

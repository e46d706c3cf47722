#!/usr/bin/python3
"""Makes pointwise_segmenter.onnx (OnnxEmissionModel tests) and mean_classifier.onnx (OnnxWindowClassifier tests).

pointwise_segmenter.onnx: Conv1d(4->4, k=1) -> Softmax over channels; input "features" [batch, 4, time], output "posteriors"
[batch, 4, time], dynamic batch and time. Its receptive field is one frame, so running a recording in overlapping
windows must give exactly the per-frame softmax of the whole recording.
Run from this folder:  /usr/bin/python3 make_fixture.py   (Debian python3-torch 1.13)
"""
import torch

torch.manual_seed(7)
model = torch.nn.Sequential(torch.nn.Conv1d(4, 4, 1), torch.nn.Softmax(dim=1)).eval()
x = torch.randn(1, 4, 16)
torch.onnx.export(
    model, x, "pointwise_segmenter.onnx", opset_version=17,
    input_names=["features"], output_names=["posteriors"],
    dynamic_axes={"features": {0: "batch", 2: "time"}, "posteriors": {0: "batch", 2: "time"}},
)
print("ok")


class MeanClassifier(torch.nn.Module):
    """x [batch, 4, time] -> mean over time -> Linear(4, 3) -> softmax: "probabilities" [batch, 3]."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)

    def forward(self, x):
        return torch.softmax(self.linear(x.mean(dim=2)), dim=1)


classifier = MeanClassifier().eval()
torch.onnx.export(
    classifier, x, "mean_classifier.onnx", opset_version=17,
    input_names=["features"], output_names=["probabilities"],
    dynamic_axes={"features": {0: "batch", 2: "time"}, "probabilities": {0: "batch"}},
)
print("ok classifier")

"""Reference fit for LogisticEmissionTrainer (one-vs-rest, class-balanced, L2 on weights not bias).

Run: /usr/bin/python3 make_logistic_reference.py  (numpy + torch 1.13) -> logistic_reference.json
Data: synthetic, 4 separable classes in 4 channels with unequal class counts plus a few ignored (-1) frames.
Objective per state j (same as the C# trainer):
  sum_n c_n [softplus(z_n) - y_n z_n] + l2/2 |w|^2,  z_n = b + w.x_n,
  c_n = 0.5/N_pos for y_n = 1, 0.5/N_neg for y_n = 0.
"""
import json
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20160101)
counts = [40, 120, 40, 200]
means = np.array([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0], [0, 0, 0, 2.0]])
xs, ys = [], []
for s, n in enumerate(counts):
    xs.append(means[s] + 0.35 * rng.standard_normal((n, 4)))
    ys.append(np.full(n, s))
x = np.concatenate(xs)
y = np.concatenate(ys)
order = rng.permutation(len(y))
x, y = x[order].astype(np.float32), y[order]
# a few ignored frames with wild features: the trainer must skip them
x = np.concatenate([x, np.full((5, 4), 50.0, dtype=np.float32)])
y = np.concatenate([y, np.full(5, -1)])
l2 = 0.01

xt = torch.tensor(x[y >= 0].astype(np.float64))
yt = torch.tensor(y[y >= 0])
weights = []
for s in range(4):
    pos = (yt == s).double()
    c = torch.where(yt == s, 0.5 / pos.sum(), 0.5 / (1 - pos).sum())
    beta = torch.zeros(5, requires_grad=True)
    opt = torch.optim.LBFGS([beta], lr=1, max_iter=500, tolerance_grad=1e-14, tolerance_change=1e-16,
                            history_size=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = beta[0] + xt @ beta[1:]
        loss = (c * (torch.nn.functional.softplus(z) - pos * z)).sum() + 0.5 * l2 * (beta[1:] ** 2).sum()
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    closure()
    assert beta.grad.abs().max() < 1e-8, beta.grad
    weights.extend(beta.detach().tolist())

with open("logistic_reference.json", "w") as f:
    json.dump({"channels": 4, "l2": l2, "features": [float(v) for v in x.ravel()],
               "labels": [int(v) for v in y], "weights": weights}, f)
print(np.array(weights).reshape(4, 5))

"""A hybrid classifier in PyTorch: Linear -> QuantumLayer -> Linear on the embedded UCI digits
(8x8 images, 10 classes), trained with a torch optimizer. The quantum layer is an ordinary
torch.nn.Module; its backward is tangle's batched adjoint method.

    /usr/bin/python3 examples/hybrid_classifier.py [--epochs 30]
"""
import argparse

import torch

import tangle as tg

ap = argparse.ArgumentParser()
ap.add_argument("--epochs", type=int, default=30)
ap.add_argument("--seed", type=int, default=0)
args = ap.parse_args()
torch.manual_seed(args.seed)

images, labels = tg.datasets.digits()
x = torch.tensor(images, dtype=torch.float32).reshape(-1, 64) / 16.0
y = torch.tensor(labels)
perm = torch.randperm(len(y))
train, test = perm[:1400], perm[1400:]

n = 4
c = tg.Circuit(n)
c.angle_embedding(c.inputs(n), rotation="Y")
c.strongly_entangling(c.weights((3, n, 3)))
model = torch.nn.Sequential(torch.nn.Linear(64, n), torch.nn.Tanh(),
                            tg.QuantumLayer(c, [tg.Z(q) for q in range(n)]),
                            torch.nn.Linear(n, 10))
opt = torch.optim.Adam(model.parameters(), lr=0.02)

for epoch in range(1, args.epochs + 1):
    for batch in train[torch.randperm(len(train))].split(64):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
        loss.backward()
        opt.step()
    with torch.no_grad():
        acc = (model(x[test]).argmax(1) == y[test]).float().mean().item()
    print(f"epoch {epoch:3d}  last batch loss {loss.item():.4f}  test accuracy {100 * acc:.1f} %")

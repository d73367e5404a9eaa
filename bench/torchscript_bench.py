#!/usr/bin/python3
"""PyTorch TorchScript peer: one thread, eval mode, the same model file. Prints one JSON object."""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models'))
from safetensors_io import load_model  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument('model')
p.add_argument('--batch', type=int, default=64)
p.add_argument('--seconds', type=float, default=3)
a = p.parse_args()
torch.set_num_threads(1)


class Plain(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x)


model = Plain(load_model(a.model)[0].eval())
x = torch.randn(a.batch, 3, 32, 32)
with torch.no_grad():
    ts = torch.jit.optimize_for_inference(torch.jit.trace(model, x))
    end = time.time() + 1
    while time.time() < end:
        ts(x)
    n, start = 0, time.time()
    while time.time() - start < a.seconds:
        ts(x)
        n += a.batch
print(json.dumps({'engine': 'torchscript', 'batch': a.batch, 'threads': 1,
                  'images_per_s': n / (time.time() - start)}))

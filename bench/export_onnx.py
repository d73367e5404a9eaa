#!/usr/bin/python3
"""Export an Unravel .safetensors model to ONNX for the peer benchmark.

The model is rebuilt with models/cifar_resnet.py from the file's metadata, so the
ONNX graph computes exactly what the engine computes (unmodified network,
eval-mode BatchNorm, residual scale included).  Input "input" is
[batch, 3, 32, 32] normalised float32, output "logits" is [batch, 10].

  /usr/bin/python3 bench/export_onnx.py models/resnet56.safetensors /tmp/resnet56.onnx [--batch 64]
Without --batch the batch dimension is dynamic.  Needs Debian's python3-torch.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models'))
from safetensors_io import load_model  # noqa: E402


class Plain(torch.nn.Module):
    """Wrapper hiding the plan arguments (and their Python-side checks) from the tracer."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)


def main():
    p = argparse.ArgumentParser(description='Unravel .safetensors -> ONNX (opset 13)')
    p.add_argument('model')
    p.add_argument('out')
    p.add_argument('--batch', type=int, default=0, help='fixed batch size (default: dynamic)')
    p.add_argument('--opset', type=int, default=13)
    args = p.parse_args()
    model, _ = load_model(args.model)
    net = Plain(model).eval()
    x = torch.randn(args.batch or 64, 3, 32, 32)
    dynamic = None if args.batch else {'input': {0: 'batch'}, 'logits': {0: 'batch'}}
    with torch.no_grad():
        torch.onnx.export(net, x, args.out, opset_version=args.opset, input_names=['input'],
                          output_names=['logits'], dynamic_axes=dynamic, do_constant_folding=True)
    print('wrote %s (%d bytes, opset %d, batch %s)' % (
        args.out, os.path.getsize(args.out), args.opset, args.batch or 'dynamic'))


if __name__ == '__main__':
    main()

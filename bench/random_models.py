#!/usr/bin/python3
"""Write random-weight zoo architectures (resnet20/56/110 by default) for the speed benchmarks.

Speed does not depend on the weights, but BatchNorm statistics are randomised too so that no
layer is an identity and activations stay in a normal float range (no denormals, no overflow).
  /usr/bin/python3 bench/random_models.py OUT_DIR [resnet20 resnet56 resnet110 ...]
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models'))
from cifar_resnet import build_arch  # noqa: E402
from safetensors_io import export_model  # noqa: E402


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(0.5 + 0.5 * torch.rand(c, generator=g))
                m.bias.copy_(0.1 * torch.randn(c, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=g))
                m.running_var.copy_(0.5 + torch.rand(c, generator=g))
    return model.eval()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for i, name in enumerate(sys.argv[2:] or ['resnet20', 'resnet56', 'resnet110']):
        torch.manual_seed(1000 + i)
        path = os.path.join(out, name + '.safetensors')
        export_model(randomise(build_arch(name), 2000 + i), path)
        print('wrote', path)


if __name__ == '__main__':
    main()

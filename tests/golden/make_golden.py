#!/usr/bin/python3
"""Generate the golden forward-pass files the C test suite checks the engine against.

Run from anywhere with Debian's python3-torch (/usr/bin/python3):
    /usr/bin/python3 tests/golden/make_golden.py        # rewrites tests/golden/*
Everything is seeded, so rerunning reproduces the files byte for byte on the same
PyTorch build.  The models are tiny random networks (no training data involved);
their BatchNorm statistics and affine parameters are randomised (after calibrating
running statistics on random inputs, so activations stay O(1)) so that folding is
exercised.  Reference logits are computed by models/cifar_resnet.py in float64 from
the weights exactly as stored in the file (so the F16 model's logits are those of
its F16-rounded weights) and saved as float32.

Files, for each model NAME listed one per line in tests/golden/MANIFEST:
    NAME.safetensors   the model (models/FORMAT.md)
    NAME.golden        binary reference data, layout below
    NAME.json          human-readable sidecar: variant, plans (keep/order, 0-based), tolerance hint

NAME.golden layout (all little-endian, no padding; sizes in bytes):
    offset 0   char     magic[4]    = "UNRG"
    offset 4   uint32   version     = 1
    offset 8   uint32   N           number of images
    offset 12  uint32   C           number of classes (10)
    offset 16  uint32   L           number of blocks (3n)
    offset 20  uint32   P           number of plans; plan 0 is the unmodified network
    offset 24  float32  images[N][3][32][32]   normalised input, exactly what the network sees
    then       uint8    pixels[N][3][32][32]   the same images as CIFAR-style pixels; images ==
                        (float)(pixels / 255.0f - mean[c]) / std[c] with the model's metadata
                        mean/std, computed in float32 (the engine may differ in the last ulp)
    then, P times:
               int32    keep[L]     1 = block kept, 0 = deleted; index = original 0-based block
               int32    order[L]    original 0-based block run at each position 0..L-1
               float32  logits[N][C]
    file size == 24 + N*3072*4 + N*3072 + P*(8*L + 4*N*C); readers must check it.
Block numbering: 0-based over the whole network, stage s (1..3) block b is s_index*n + b.
Plans follow FORMAT.md: a deleted block keeps its shortcut; reordering only permutes
equal-shape blocks inside a stage and never moves a downsampling block.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'models'))
from cifar_resnet import CifarResNet, linear_decay_survival  # noqa: E402
from data import MEAN, STD  # noqa: E402
from safetensors_io import export_model, load_model  # noqa: E402

N_IMAGES = 4
SMALL = (8, 16, 32)

# name: (constructor kwargs, dtype)
TINY = (4, 8, 16)
VARIANTS = {
    'postact_a': (dict(block='postact', shortcut='A', skip=True, n=2, widths=SMALL), 'F32'),
    'postact_b': (dict(block='postact', shortcut='B', skip=True, n=1, widths=SMALL), 'F32'),
    'preact_a': (dict(block='preact', shortcut='A', skip=True, n=3, widths=SMALL), 'F32'),
    'preact_b': (dict(block='preact', shortcut='B', skip=True, n=1, widths=SMALL), 'F32'),
    'plain_post': (dict(block='postact', shortcut='A', skip=False, n=2, widths=TINY), 'F32'),
    'plain_pre': (dict(block='preact', shortcut='A', skip=False, n=2, widths=TINY), 'F32'),
    'preact_a_scaled': (dict(block='preact', shortcut='A', skip=True, n=2, widths=TINY,
                             residual_scale=linear_decay_survival(6, 0.5)), 'F32'),
    'preact_a_f16': (dict(block='preact', shortcut='A', skip=True, n=2, widths=SMALL), 'F16'),
    'preact_a_wide': (dict(block='preact', shortcut='A', skip=True, n=1, widths=(16, 32, 64)), 'F32'),
    # Projection without its own BatchNorm (unravel.shortcut_bn = false); appended so that the
    # other variants keep their seeds.
    'preact_b_nobn': (dict(block='preact', shortcut='B', skip=True, n=2, widths=SMALL,
                           shortcut_bn=False), 'F32'),
    'postact_b_nobn': (dict(block='postact', shortcut='B', skip=True, n=1, widths=SMALL,
                            shortcut_bn=False), 'F32'),
}


def randomise_bn(model, gen):
    """Calibrate running stats on random inputs, then perturb all BN parameters."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(16, 3, 32, 32, generator=gen))
        for bn in bns:
            c = bn.num_features
            bn.weight.copy_(0.5 + torch.rand(c, generator=gen))
            bn.bias.copy_(0.2 * torch.randn(c, generator=gen))
            bn.running_mean.add_(0.1 * torch.randn(c, generator=gen))
            bn.running_var.mul_(0.7 + 0.6 * torch.rand(c, generator=gen))
    model.eval()


def plans(n):
    """(label, keep, order) lists, 0-based, plan 0 the unmodified network."""
    L = 3 * n
    ident = list(range(L))
    out = [('unmodified', [1] * L, ident)]

    def delete(*blocks):
        return [0 if i in blocks else 1 for i in range(L)]

    out.append(('delete block 1 (0-based)', delete(1), ident))
    out.append(('delete downsampling block %d' % n, delete(n), ident))
    out.append(('delete block 0', delete(0), ident))
    if n >= 2:  # stage 1's blocks all have one shape; n = 1 has nothing to reorder
        swap = list(ident)
        swap[0], swap[1] = swap[1], swap[0]
        label = 'swap 0<->1'
        if n >= 3:  # stage 2 has two non-downsampling blocks: n+1, n+2
            swap[n + 1], swap[n + 2] = swap[n + 2], swap[n + 1]
            label += ', swap %d<->%d' % (n + 1, n + 2)
        out.append((label, [1] * L, swap))
        out.append((label + ', delete block %d' % (L - 1), delete(L - 1), swap))
    else:
        out.append(('delete blocks 0 and %d' % (L - 1), delete(0, L - 1), ident))
    out.append(('delete every block', [0] * L, ident))
    return out


def make(name, kwargs, dtype, seed):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = CifarResNet(**kwargs)
    randomise_bn(model, gen)
    path = os.path.join(HERE, name + '.safetensors')
    export_model(model, path, dtype=dtype, mean=MEAN, std=STD)
    stored, meta = load_model(path)  # the weights exactly as the engine will see them
    stored = stored.double().eval()

    pixels = torch.randint(0, 256, (N_IMAGES, 3, 32, 32), generator=gen, dtype=torch.uint8)
    mean = torch.tensor(MEAN, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float32).view(1, 3, 1, 1)
    images = (pixels.float() / 255.0 - mean) / std

    L = 3 * model.n
    plan_list = plans(model.n)
    blob = bytearray(b'UNRG')
    blob += struct.pack('<5I', 1, N_IMAGES, 10, L, len(plan_list))
    blob += images.numpy().astype('<f4').tobytes()
    blob += pixels.numpy().tobytes()
    side = []
    with torch.no_grad():
        for label, keep, order in plan_list:
            logits = stored(images.double(), keep=keep, order=order).float()
            blob += np.asarray(keep, '<i4').tobytes() + np.asarray(order, '<i4').tobytes()
            blob += logits.numpy().astype('<f4').tobytes()
            side.append({'label': label, 'keep': keep, 'order': order,
                         'argmax': logits.argmax(1).tolist()})
    expected = 24 + N_IMAGES * 3072 * 5 + len(plan_list) * (8 * L + 4 * N_IMAGES * 10)
    assert len(blob) == expected
    with open(os.path.join(HERE, name + '.golden'), 'wb') as f:
        f.write(blob)
    with open(os.path.join(HERE, name + '.json'), 'w') as f:
        json.dump({'model': name + '.safetensors', 'golden': name + '.golden', 'seed': seed,
                   'dtype': dtype, 'metadata': meta, 'images': N_IMAGES, 'blocks': L,
                   'tolerance_hint': 'abs diff <= 1e-4 * (1 + |logit|) (float32 engine vs float64 reference)',
                   'plans': side}, f, indent=1)
    return name


def main():
    torch.set_num_threads(1)
    names = [make(name, kw, dt, seed=100 + i) for i, (name, (kw, dt)) in enumerate(VARIANTS.items())]
    with open(os.path.join(HERE, 'MANIFEST'), 'w') as f:
        f.write('\n'.join(names) + '\n')
    total = sum(os.path.getsize(os.path.join(HERE, p)) for p in os.listdir(HERE))
    print('wrote %d golden models to %s (%d bytes in the folder)' % (len(names), HERE, total))


if __name__ == '__main__':
    main()

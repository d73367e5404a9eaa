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

NAME.grad: reference gradients for the backward pass (core/backward.c), computed by autograd in
float64: the gradient of the mean cross-entropy (true labels) over the N images of NAME.golden
with respect to block 1's input (the stem's output), each block routed
    0 both (the ordinary gradient), 1 residual only, 2 skip only,
where routing is detach: skip only y = S(x) + F(x).detach(), residual only
y = S(x).detach() + F(x) (post-activation: relu of that; a plain network's S is 0).
Layout (little-endian, no padding):
    offset 0   char     magic[4]    = "UNRD"
    offset 4   uint32   version     = 1
    offset 8   uint32   N, W, L, R  images, block-1 input channels, blocks, routings
    offset 24  int32    labels[N]
    then, R times:
               int32    routes[L]
               float64  log10_norm   log10 of the L2 norm over the whole batch gradient
               float64  image_log10_norm[N]   the same for each image's part of it
               float32  sample[N][512]   each image's gradient [W][32][32] (NCHW) at flat
                                         indices j * 2W, j = 0..511 (a spread-out sample that
                                         keeps the files small; under 1e-38 flushes to 0)
    file size == 24 + 4*N + R*(4*L + 8 + 8*N + 2048*N).
A norm that is exactly zero (a plain network's skip route) is stored as -infinity.
Plans follow FORMAT.md: a deleted block keeps its shortcut; reordering only permutes
equal-shape blocks inside a stage and never moves a downsampling block.
"""
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

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
    # Residual branches scaled by 1e-8: long residual paths fall far below float32's range, so
    # the engine's rescaling (core/backward.c) is checked against float64.
    'preact_a_small_scale': (dict(block='preact', shortcut='A', skip=True, n=3, widths=TINY,
                                  residual_scale=[1e-8] * 9), 'F32'),
}

BOTH, RESIDUAL, SKIP = 0, 1, 2


def block_routed(blk, x, route):
    """One block of models/cifar_resnet.py with its branches routed by detach."""
    if blk.preact:
        a = F.relu(blk.bn1(x))
        f = blk.conv2(F.relu(blk.bn2(blk.conv1(a))))
        s = (blk._shortcut(a) if blk.downsample else x) if blk.skip else None
    else:
        f = blk.bn2(blk.conv2(F.relu(blk.bn1(blk.conv1(x)))))
        s = blk._shortcut(x) if blk.skip else None
    if s is None:  # plain: y = F (pre) or relu(F) (post)
        y = f.detach() if route == SKIP else f
    else:
        f = blk.scale * f
        y = (f if route != SKIP else f.detach()) + (s if route != RESIDUAL else s.detach())
    return y if blk.preact else F.relu(y)


def routed_gradient(model, images, labels, routes):
    """d mean CE / d (block 1's input), float64, every block routed."""
    with torch.no_grad():
        x0 = model.conv1(images)
        if not model.preact:
            x0 = F.relu(model.bn1(x0))
    x0 = x0.clone().requires_grad_(True)
    h = x0
    for blk, route in zip(model.blocks(), routes):
        h = block_routed(blk, h, route)
    if model.preact:
        h = F.relu(model.bn_final(h))
    logits = model.linear(F.adaptive_avg_pool2d(h, 1).flatten(1))
    loss = F.cross_entropy(logits, labels)
    if not loss.requires_grad:  # every route detached (a plain network's skip route)
        return torch.zeros_like(x0)
    loss.backward()
    return x0.grad if x0.grad is not None else torch.zeros_like(x0)


def routings(L, skip, gen):
    """Routings checked for a model: uniform ones, random mixes, random paths."""
    out = [[BOTH] * L, [RESIDUAL] * L, [SKIP] * L]
    for _ in range(3):
        out.append(torch.randint(0, 3 if skip else 2, (L,), generator=gen).tolist())
    for k in (1, L // 2, L - 1):
        perm = torch.randperm(L, generator=gen).tolist()
        out.append([RESIDUAL if perm.index(b) < k else SKIP for b in range(L)])
    return out


def make_gradients(name, stored, images, gen):
    L = len(stored.blocks())
    labels = torch.randint(0, 10, (images.shape[0],), generator=gen)
    routes = routings(L, stored.skip, gen)
    W = stored.widths[0]
    blob = bytearray(b'UNRD') + struct.pack('<5I', 1, images.shape[0], W, L, len(routes))
    blob += labels.numpy().astype('<i4').tobytes()
    N = images.shape[0]

    def log10(v):
        return math.log10(v) if v > 0 else -math.inf

    for r in routes:
        g = routed_gradient(stored, images.double(), labels, r)
        blob += np.asarray(r, '<i4').tobytes()
        blob += struct.pack('<d', log10(g.norm().item()))
        blob += struct.pack('<%dd' % N, *[log10(g[i].norm().item()) for i in range(N)])
        blob += g.reshape(N, -1)[:, ::2 * W].float().numpy().astype('<f4').tobytes()
    assert len(blob) == 24 + 4 * N + len(routes) * (4 * L + 8 + 8 * N + 2048 * N)
    with open(os.path.join(HERE, name + '.grad'), 'wb') as f:
        f.write(blob)


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
    make_gradients(name, stored, images, torch.Generator().manual_seed(seed + 1000))
    expected = 24 + N_IMAGES * 3072 * 5 + len(plan_list) * (8 * L + 4 * N_IMAGES * 10)
    assert len(blob) == expected
    with open(os.path.join(HERE, name + '.golden'), 'wb') as f:
        f.write(blob)
    with open(os.path.join(HERE, name + '.json'), 'w') as f:
        json.dump({'model': name + '.safetensors', 'golden': name + '.golden', 'seed': seed,
                   'dtype': dtype, 'metadata': meta, 'images': N_IMAGES, 'num_blocks': L,
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

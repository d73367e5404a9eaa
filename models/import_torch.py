#!/usr/bin/python3
"""Convert a PyTorch CIFAR ResNet checkpoint to Unravel's format (models/FORMAT.md), in one command.

  /usr/bin/python3 models/import_torch.py CHECKPOINT OUT.safetensors --mean M,M,M --std S,S,S
  /usr/bin/python3 models/import_torch.py resnet20-12fca82f.th /tmp/r20.safetensors --preset akamaster

Layouts read (3 stages of n blocks; key names after any `module.` / `_orig_mod.` prefix):

  post-activation (He 2015), e.g. akamaster/pytorch_resnet_cifar10:
    conv1, bn1, layer{s}.{b}.{conv1,bn1,conv2,bn2}, linear | fc
    shortcut: none stored (option A: subsample + zero channels), or a projection
    layer{s}.{b}.shortcut.{0,1} | downsample.{0,1} | shortcut.{conv,bn} (conv 1x1 + BN: option B)
  pre-activation (He 2016), the common code with conv-only projection shortcuts on the activated
  input (e.g. kuangliu/pytorch-cifar's PreActBlock in a 3-stage CIFAR network):
    conv1, layer{s}.{b}.{bn1,conv1,bn2,conv2}, layer{s}.{b}.shortcut.0 (conv 1x1, no BN),
    final BatchNorm bn | bn_final | final_bn, linear | fc
    (a conv-only shortcut gets an identity BatchNorm: weight 1, bias 0, mean 0, var 1 - eps)

The file may be a state dict, a checkpoint dict holding one ('state_dict', 'model', 'net',
'model_state_dict'), or a whole pickled nn.Module. What cannot be inferred from the tensors is a
flag: the input normalisation (--mean/--std, or --preset), a plain network without shortcuts
(--plain: its tensors look like option A's), the class names (--classes). A tensor that fits no
layout is an error naming it. Converted reference checkpoints are data from elsewhere: write
them outside the repository.
"""
import argparse
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cifar_resnet import CifarResNet  # noqa: E402
from safetensors_io import export_model  # noqa: E402

BN_EPS = 1e-5
PRESETS = {
    # akamaster/pytorch_resnet_cifar10 trains on ImageNet statistics
    'akamaster': ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    # the CIFAR-10 training-set statistics most other code uses
    'cifar10': ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
}
CHECKPOINT_KEYS = ('state_dict', 'model_state_dict', 'model', 'net')
BN_PARTS = ('weight', 'bias', 'running_mean', 'running_var')


class ImportError_(ValueError):
    """A checkpoint that cannot be converted; the message names the file and the tensor."""


def load_state_dict(path):
    """The tensors of a checkpoint file, whatever it wraps them in, prefixes removed."""
    try:
        obj = torch.load(path, map_location='cpu')
    except (AttributeError, ModuleNotFoundError) as e:
        raise ImportError_('%s: a pickled model whose class is not importable here (%s); save '
                           'its state_dict() instead' % (path, e))
    except Exception as e:  # noqa: BLE001 - any unreadable file is reported the same way
        raise ImportError_('%s: not a PyTorch checkpoint (%s)' % (path, e))
    if isinstance(obj, torch.nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in CHECKPOINT_KEYS:
            inner = obj.get(key)
            if isinstance(inner, torch.nn.Module):
                inner = inner.state_dict()
            if isinstance(inner, dict) and any(torch.is_tensor(v) for v in inner.values()):
                obj = inner
                break
    if not isinstance(obj, dict) or not any(torch.is_tensor(v) for v in obj.values()):
        raise ImportError_('%s: holds no state dict (looked for the tensors themselves and under %s)'
                           % (path, ', '.join(CHECKPOINT_KEYS)))
    sd = {}
    for name, value in obj.items():
        if not torch.is_tensor(value):
            continue
        for prefix in ('module.', '_orig_mod.'):
            while name.startswith(prefix):
                name = name[len(prefix):]
        sd[name] = value
    return sd


def _bn_names(prefix):
    return ['%s.%s' % (prefix, p) for p in BN_PARTS]


def convert_state_dict(sd, path='checkpoint', block=None, plain=False):
    """Map a state dict's names to FORMAT.md's -> (tensors, block, shortcut, n, widths)."""
    sd = {k: v for k, v in sd.items() if not k.endswith('num_batches_tracked')}
    blocks = sorted({(int(m.group(1)), int(m.group(2))) for k in sd
                     for m in [re.match(r'layer(\d+)\.(\d+)\.', k)] if m})
    stages = sorted({s for s, _ in blocks})
    if stages != [1, 2, 3]:
        raise ImportError_('%s: expected 3 stages layer1..layer3, found %s' % (
            path, ', '.join('layer%d' % s for s in stages) or 'no layer{s}.{b} tensors'))
    n = 1 + max(b for s, b in blocks if s == 1)
    for s in (1, 2, 3):
        have = sorted(b for t, b in blocks if t == s)
        if have != list(range(n)):
            raise ImportError_('%s: layer%d has blocks %s, expected 0..%d like layer1' % (path, s, have, n - 1))
    if 'conv1.weight' not in sd:
        raise ImportError_('%s: no stem convolution conv1.weight' % path)
    widths = []
    for s in (1, 2, 3):
        w = sd.get('layer%d.0.conv1.weight' % s)
        if w is None or w.dim() != 4:
            raise ImportError_('%s: layer%d.0.conv1.weight is missing or not a convolution' % (path, s))
        widths.append(int(w.shape[0]))
    if block is None:
        block = 'postact' if 'bn1.weight' in sd else 'preact'

    out, used = {}, set()

    def take(src, dst):
        if src not in sd:
            raise ImportError_('%s: tensor %s is missing (needed as %s for a %s network)' % (path, src, dst, block))
        out[dst] = sd[src]
        used.add(src)

    def take_bn(src, dst):
        for s_name, d_name in zip(_bn_names(src), _bn_names(dst)):
            take(s_name, d_name)

    def first_present(*names):
        return next((p for p in names if '%s.weight' % p in sd), None)

    take('conv1.weight', 'conv1.weight')
    if block == 'postact':
        take_bn('bn1', 'bn1')
    shortcut = 'A'
    for s in (1, 2, 3):
        for b in range(n):
            p = 'layer%d.%d' % (s, b)
            for part in ('conv1', 'conv2'):
                take('%s.%s.weight' % (p, part), '%s.%s.weight' % (p, part))
            take_bn(p + '.bn1', p + '.bn1')
            take_bn(p + '.bn2', p + '.bn2')
            conv = first_present(p + '.shortcut.0', p + '.shortcut.conv', p + '.downsample.0')
            if conv is None:
                continue
            if b != 0 or s == 1:
                raise ImportError_('%s: tensor %s.weight is a projection shortcut in a block that does '
                                   'not downsample (FORMAT.md projects only in blocks 0 of layer2, layer3)'
                                   % (path, conv))
            shortcut = 'B'
            bn = {'shortcut.0': 'shortcut.1', 'shortcut.conv': 'shortcut.bn', 'downsample.0': 'downsample.1'}[conv[len(p) + 1:]]
            bn = '%s.%s' % (p, bn)
            if block == 'preact' and conv.endswith('downsample.0'):
                raise ImportError_('%s: tensor %s.weight: a pre-activation downsample on the raw input '
                                   '(FORMAT.md\'s shortcut takes the activated input)' % (path, conv))
            take(conv + '.weight', p + '.shortcut.conv.weight')
            if '%s.weight' % bn in sd:
                take_bn(bn, p + '.shortcut.bn')
            else:
                # a conv-only projection: an identity BatchNorm folds to exactly x
                c = int(sd[conv + '.weight'].shape[0])
                out.update({p + '.shortcut.bn.weight': torch.ones(c), p + '.shortcut.bn.bias': torch.zeros(c),
                            p + '.shortcut.bn.running_mean': torch.zeros(c),
                            p + '.shortcut.bn.running_var': torch.full((c,), 1.0 - BN_EPS)})
    if block == 'preact':
        final = first_present('bn_final', 'bn', 'final_bn', 'bn2')
        if final is None:
            raise ImportError_('%s: no final BatchNorm (bn_final, bn or final_bn) for a pre-activation network' % path)
        take_bn(final, 'bn_final')
    head = first_present('linear', 'fc')
    if head is None:
        raise ImportError_('%s: no classifier linear.weight or fc.weight' % path)
    take(head + '.weight', 'linear.weight')
    take(head + '.bias', 'linear.bias')
    if plain and shortcut == 'B':
        raise ImportError_('%s: --plain, but the checkpoint has projection shortcuts' % path)
    unknown = [k for k in sd if k not in used]
    if unknown:
        raise ImportError_('%s: tensor %s fits no supported layout (a %s network with %d blocks per stage)'
                           % (path, unknown[0], block, n))
    return out, block, shortcut, n, widths


def convert(path, block=None, plain=False):
    """Checkpoint file -> CifarResNet (eval mode) holding its weights."""
    tensors, block, shortcut, n, widths = convert_state_dict(load_state_dict(path), path, block, plain)
    model = CifarResNet(block=block, shortcut=shortcut, skip=not plain, n=n, widths=widths)
    expected = {k: v.shape for k, v in model.state_dict().items() if not k.endswith('num_batches_tracked')}
    for name, shape in expected.items():
        if tuple(tensors[name].shape) != tuple(shape):
            raise ImportError_('%s: tensor %s has shape %s, expected %s' % (path, name, list(tensors[name].shape), list(shape)))
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=False)
    return model.eval()


def _three(text, what):
    try:
        v = tuple(float(x) for x in text.split(','))
    except ValueError:
        v = ()
    if len(v) != 3:
        raise argparse.ArgumentTypeError('%s must be 3 comma-separated numbers, not %r' % (what, text))
    return v


def main(argv=None):
    p = argparse.ArgumentParser(description='PyTorch CIFAR ResNet checkpoint -> Unravel .safetensors '
                                            '(layouts: see the top of this file)')
    p.add_argument('checkpoint')
    p.add_argument('out', help='output .safetensors')
    p.add_argument('--preset', choices=sorted(PRESETS), help='input normalisation of a known code base')
    p.add_argument('--mean', type=lambda t: _three(t, '--mean'), help='per-channel mean on [0,1] pixels')
    p.add_argument('--std', type=lambda t: _three(t, '--std'), help='per-channel std on [0,1] pixels')
    p.add_argument('--block', choices=['postact', 'preact'], help='default: postact when a top-level bn1 exists')
    p.add_argument('--plain', action='store_true', help='a plain network (no shortcuts at all)')
    p.add_argument('--classes', default=None, help='10 comma-separated class names (default CIFAR-10)')
    p.add_argument('--dtype', choices=['F32', 'F16', 'BF16'], default='F32')
    args = p.parse_args(argv)
    mean, std = PRESETS[args.preset] if args.preset else (args.mean, args.std)
    if args.mean:
        mean = args.mean
    if args.std:
        std = args.std
    if mean is None or std is None:
        p.error('the input normalisation cannot be read from a checkpoint: give --mean and --std, '
                'or --preset %s' % '|'.join(sorted(PRESETS)))
    classes = args.classes.split(',') if args.classes else None
    if classes is not None and len(classes) != 10:
        p.error('--classes needs 10 names')
    try:
        model = convert(args.checkpoint, args.block, args.plain)
        export_model(model, args.out, dtype=args.dtype, mean=mean, std=std, classes=classes)
    except (ImportError_, ValueError) as e:
        print('import_torch: %s' % e, file=sys.stderr)
        return 1
    print('%s -> %s: %s, shortcut %s%s, n=%d, widths %s' % (
        args.checkpoint, args.out, model.block_kind, model.shortcut_kind,
        ' (plain)' if args.plain else '', model.n, ','.join(map(str, model.widths))))
    return 0


if __name__ == '__main__':
    sys.exit(main())

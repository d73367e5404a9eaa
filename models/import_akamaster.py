#!/usr/bin/python3
"""Convert the public akamaster CIFAR-10 ResNet checkpoints to Unravel's format.

The checkpoints (../shared/reference/akamaster/*.th) are post-activation, option A
ResNets whose state_dict keys carry a `module.` prefix; their input
normalisation is mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
They are data from elsewhere: write the converted files OUTSIDE the repository
(e.g. /tmp) and never commit them.  Used to test that the engine matches
PyTorch on real trained networks.

  /usr/bin/python3 models/import_akamaster.py ../shared/reference/akamaster/resnet20-12fca82f.th \
      /tmp/aka-resnet20.safetensors --data ../shared/cifar10/cifar-10-binary.tar.gz --limit 2000
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from cifar_resnet import CifarResNet  # noqa: E402
from safetensors_io import export_model, load_model  # noqa: E402

AKA_MEAN = (0.485, 0.456, 0.406)
AKA_STD = (0.229, 0.224, 0.225)


def convert(th_path):
    ck = torch.load(th_path, map_location='cpu')
    sd = ck.get('state_dict', ck)
    sd = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in sd.items()}
    n = 1 + max(int(k.split('.')[1]) for k in sd if k.startswith('layer1.'))
    widths = tuple(sd['layer%d.0.conv1.weight' % s].shape[0] for s in (1, 2, 3))
    model = CifarResNet(block='postact', shortcut='A', skip=True, n=n, widths=widths)
    model.load_state_dict(sd, strict=False)
    missing = [k for k in model.state_dict() if k not in sd and not k.endswith('num_batches_tracked')]
    if missing:
        raise ValueError('%s: missing tensors %s' % (th_path, missing))
    return model.eval()


@torch.no_grad()
def accuracy(model, images, labels, mean, std, batch=500):
    correct = 0
    for i in range(0, len(images), batch):
        x = data.normalise(torch.from_numpy(images[i:i + batch]), mean, std)
        correct += (model(x).argmax(1) == torch.from_numpy(labels[i:i + batch])).sum().item()
    return correct / len(images)


def main():
    p = argparse.ArgumentParser(description='akamaster .th -> Unravel .safetensors')
    p.add_argument('checkpoint')
    p.add_argument('out', help='output .safetensors (outside the repository)')
    p.add_argument('--data', default=None, help='CIFAR-10 data: report PyTorch test accuracy')
    p.add_argument('--limit', type=int, default=10000, help='first N test images')
    p.add_argument('--dtype', choices=['F32', 'F16'], default='F32')
    args = p.parse_args()
    torch.set_num_threads(2)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.abspath(args.out).startswith(repo + os.sep):
        sys.exit('refusing to write a converted reference checkpoint into the repository')
    model = convert(args.checkpoint)
    export_model(model, args.out, dtype=args.dtype, mean=AKA_MEAN, std=AKA_STD)
    back, _ = load_model(args.out)
    print('%s -> %s: n=%d, widths %s' % (args.checkpoint, args.out, model.n, model.widths))
    if args.data or os.environ.get('UNRAVEL_DATA'):
        images, labels = data.load('test', args.data)
        images, labels = images[:args.limit], labels[:args.limit]
        print('PyTorch accuracy on the first %d test images: original %.4f, re-read %.4f' % (
            len(images), accuracy(model, images, labels, AKA_MEAN, AKA_STD),
            accuracy(back, images, labels, AKA_MEAN, AKA_STD)))


if __name__ == '__main__':
    main()

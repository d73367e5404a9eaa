#!/usr/bin/python3
"""Re-measure, on the real test batch, the accuracy of runs trained on a packed copy of CIFAR-10.

A run trained from a file made by pack_data.py (the upload of a lent GPU machine) measured its
test accuracy on the packed test images, which were re-encoded as JPEG; the card and the zoo
report compare PyTorch with the engine on the real test batch. For each summary given, this
evaluates the exported model it names on the real test batch (--data or $UNRAVEL_DATA) and
records that as pytorch_test_acc, with test_data and test_data_sha256 naming the batch; the
figures measured on the packed images are kept as pytorch_test_acc_packed and
pytorch_test_acc_f32_packed (the float32 weights before export exist only on that machine).
A summary of a run trained on the real data is left as it is.

  /usr/bin/python3 models/remeasure.py models/resnet110.json --data ../shared/cifar10/cifar-10-binary.tar.gz
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from safetensors_io import load_model  # noqa: E402
from train import evaluate  # noqa: E402


def remeasure(summary_path, data_path, data_sha256, images, labels):
    """-> one line saying what was done; raises ValueError naming the file on bad input."""
    try:
        with open(summary_path) as f:
            summary = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError('%s: cannot read the summary (%s)' % (summary_path, e))
    trained_on = summary.get('data', '')
    if not trained_on.endswith('.unrpack'):
        return '%s: trained on %s, not a packed file: nothing to do' % (summary_path, trained_on or '?')
    model_path = os.path.join(os.path.dirname(os.path.abspath(summary_path)), summary.get('file', ''))
    model = load_model(model_path)[0]
    acc = evaluate(model, images, labels, torch.device('cpu'))
    if 'pytorch_test_acc_packed' not in summary:  # a second run keeps the first's packed figures
        summary['pytorch_test_acc_packed'] = summary.get('pytorch_test_acc')
        summary['pytorch_test_acc_f32_packed'] = summary.pop('pytorch_test_acc_f32', None)
    summary['pytorch_test_acc'] = acc
    summary['test_data'] = os.path.basename(data_path)
    summary['test_data_sha256'] = data_sha256
    with open(summary_path + '.tmp', 'w') as f:
        json.dump(summary, f, indent=1)
    os.replace(summary_path + '.tmp', summary_path)
    return '%s: test accuracy %.4f on %s (%.4f on the packed test images)' % (
        summary_path, acc, summary['test_data'], summary['pytorch_test_acc_packed'] or float('nan'))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('summaries', nargs='+', help='models/<name>.json of exported runs')
    p.add_argument('--data', default=None, help='the real CIFAR-10 (default $UNRAVEL_DATA)')
    p.add_argument('--threads', type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    try:
        data_path = data.default_path(args.data)
        if data_path.endswith('.unrpack'):
            raise ValueError('%s: a packed file; the point is to measure on the real test batch' % data_path)
        images, labels = data.load('test', data_path)
        images, labels = torch.from_numpy(images), torch.from_numpy(labels)
        data_sha256 = data.sha256_file(data_path)  # once: the tarball is 163 MB
        for path in args.summaries:
            print(remeasure(path, data_path, data_sha256, images, labels), flush=True)
    except (OSError, ValueError) as e:
        sys.exit('remeasure.py: %s' % e)


if __name__ == '__main__':
    main()

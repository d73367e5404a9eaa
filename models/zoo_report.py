#!/usr/bin/python3
"""Write the zoo's model cards (models/README.md) and the page's models/manifest.json.

For every trained model (models/<name>.json summary written by train.py, beside <name>.safetensors)
it measures, with the engine's CLI on the full 10000-image test batch: accuracy and the delete-one
sweep; PyTorch's accuracy comes from the training summary. Run after training:
    /usr/bin/python3 models/zoo_report.py [--cli build/cli/unravel] [--data PATH]
"""
import argparse
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ['resnet20', 'plain20', 'resnet56', 'resnet110', 'resnet56-sd']
KIND = {'resnet20': 'residual', 'resnet56': 'residual', 'resnet110': 'residual',
        'plain20': 'plain', 'resnet56-sd': 'stochastic-depth'}
TARGET = {'resnet20': 86.0, 'resnet56': 88.0, 'resnet110': 88.0, 'plain20': 83.0}


def cli(args, *argv):
    cmd = [args.cli, *argv, '--json']
    if args.data:
        cmd += ['--data', args.data]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--cli', default=os.path.join(HERE, '..', 'build', 'cli', 'unravel'))
    p.add_argument('--data', default=None)
    args = p.parse_args()
    rows, manifest = [], []
    for name in ORDER:
        summary_path = os.path.join(HERE, name + '.json')
        model_path = os.path.join(HERE, name + '.safetensors')
        if not (os.path.exists(summary_path) and os.path.exists(model_path)):
            continue
        s = json.load(open(summary_path))
        info = subprocess.run([args.cli, 'info', model_path, '--json'], check=True,
                              capture_output=True, text=True)
        info = json.loads(info.stdout)
        ev = cli(args, 'eval', model_path)
        sweep = cli(args, 'sweep', 'delete-one', model_path)
        rows.append((name, s, info, ev, sweep))
        manifest.append({'name': name, 'file': name + '.safetensors', 'blocks': info['blocks'],
                         'kind': KIND[name], 'accuracy': round(ev['accuracy'], 4),
                         'pytorch_accuracy': round(s['pytorch_test_acc'], 4),
                         'bytes': os.path.getsize(model_path),
                         'downsampling': info['downsampling']})
    with open(os.path.join(HERE, 'manifest.json'), 'w') as f:
        json.dump({'models': manifest}, f, indent=1)
        f.write('\n')
    write_cards(rows)


def write_cards(rows):
    out = [open(os.path.join(HERE, 'CARD_HEADER.md')).read().rstrip() + '\n']
    out.append('\n## The zoo\n\n| model | engine accuracy | PyTorch accuracy | target | params | '
               'file | epochs | training time | seed |\n|---|---|---|---|---|---|---|---|---|')
    for name, s, info, ev, _ in rows:
        t = TARGET.get(name)
        acc = 100 * ev['accuracy']
        target = ('%.0f%% (%s)' % (t, 'met' if acc >= t else 'short by %.1f points' % (t - acc))) if t else '-'
        out.append('| `%s` | %.2f%% | %.2f%% | %s | %d | %.2f MB %s | %.1f | %.0f min | %d |' % (
            s['file'], acc, 100 * s['pytorch_test_acc'], target, info['params'],
            os.path.getsize(os.path.join(HERE, s['file'])) / 1e6, s['dtype'], s['epochs_done'],
            s['train_time_s'] / 60, s['seed']))
    if rows:
        s = rows[0][1]
        out.append('\nTrained on the 50000 training images of `%s` (sha256 `%s`), %s, PyTorch %s, '
                   'batch %d, SGD momentum 0.9, weight decay %g, %s. Accuracies are on the full '
                   '10000-image test batch.' % (s['data'], s['data_sha256'], s['hardware'],
                                                s['torch'], s['batch'], s['weight_decay'],
                                                s['schedule'].split(' over ')[0] + ' over each model\'s training time, warm-up and cosine decay'))
    out.append('\n## Delete one block (Fig. 3)\n\nTest error (%) with each block deleted, measured by '
               '`unravel sweep delete-one` on the 10000 test images; `*` marks a downsampling block.\n')
    for name, s, info, ev, sweep in rows:
        base = 100 * (1 - sweep['baseline'])
        out.append('**%s** (unmodified error %.2f%%)\n\n| block | error | change |\n|---|---|---|' % (name, base))
        for r in sweep['results']:
            b = r['deleted'][0]
            e = 100 * (1 - r['accuracy'])
            out.append('| %d%s | %.2f | %+.2f |' % (b, '*' if b in info['downsampling'] else '', e, e - base))
        out.append('')
    with open(os.path.join(HERE, 'README.md'), 'w') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()

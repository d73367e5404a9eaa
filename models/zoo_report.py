#!/usr/bin/python3
"""Write the zoo's model cards (models/README.md) and the page's models/manifest.json.

For every trained model (models/<name>.json summary written by train.py, beside <name>.safetensors)
it measures, with the engine's CLI on the full 10000-image test batch: accuracy and the delete-one
sweep; PyTorch's accuracy comes from the training summary. Run after training:
    /usr/bin/python3 models/zoo_report.py [--cli build/cli/unravel] [--data PATH]
"""
import argparse
import hashlib
import json
import os
import statistics
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ['resnet20', 'plain20', 'resnet56', 'resnet110', 'resnet56-sd']
KIND = {'resnet20': 'residual', 'resnet56': 'residual', 'resnet110': 'residual',
        'plain20': 'plain', 'resnet56-sd': 'stochastic-depth'}
TARGET = {'resnet20': 86.0, 'resnet56': 88.0, 'resnet110': 88.0, 'plain20': 83.0}
# Delete-one tables shown side by side (the paper's Fig. 8: stochastic depth vs plain training).
COMPARE = {'resnet56-sd': 'resnet56'}
# The page's comparison pairs (manifest "compare"): the network drawn beside each on the same axes
# by default; a residual network with the plain one is the paper's ResNet-vs-VGG figure (Fig. 3),
# a normally trained one with its stochastic-depth twin Fig. 8.
PAGE_COMPARE = {'resnet20': 'plain20', 'plain20': 'resnet20', 'resnet56': 'resnet56-sd',
                'resnet110': 'plain20', 'resnet56-sd': 'resnet56'}


def cli(args, *argv):
    cmd = [args.cli, *argv, '--json']
    if args.data:
        cmd += ['--data', args.data]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def measure(args, name, model_path):
    """The engine's info, accuracy and delete-one sweep of a model. A sweep of ResNet-110 on
    10000 images takes minutes, so results are kept in models/checkpoints/<name>/report.json
    (not committed) and reused while the model file, the data and the CLI are unchanged."""
    key = {'model': sha256_of(model_path), 'data': os.path.abspath(args.data or os.environ.get('UNRAVEL_DATA', '')),
           'cli': os.path.getmtime(args.cli)}
    cache = os.path.join(HERE, 'checkpoints', name, 'report.json')
    if os.path.exists(cache):
        kept = json.load(open(cache))
        if kept.get('key') == key:
            return kept['info'], kept['eval'], kept['sweep']
    info = json.loads(subprocess.run([args.cli, 'info', model_path, '--json'], check=True,
                                     capture_output=True, text=True).stdout)
    ev = cli(args, 'eval', model_path)
    sweep = cli(args, 'sweep', 'delete-one', model_path)
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with open(cache, 'w') as f:
        json.dump({'key': key, 'info': info, 'eval': ev, 'sweep': sweep}, f)
    return info, ev, sweep


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
        info, ev, sweep = measure(args, name, model_path)
        if abs(ev['accuracy'] - s['pytorch_test_acc']) > 0.001:
            raise SystemExit('%s: engine accuracy %.4f but PyTorch %.4f: more than 0.1 points apart' % (
                model_path, ev['accuracy'], s['pytorch_test_acc']))
        rows.append((name, s, info, ev, sweep))
        manifest.append({'name': name, 'file': name + '.safetensors', 'blocks': info['blocks'],
                         'kind': KIND[name], 'accuracy': round(ev['accuracy'], 4),
                         'pytorch_accuracy': round(s['pytorch_test_acc'], 4),
                         'bytes': os.path.getsize(model_path),
                         'downsampling': info['downsampling'],
                         **({'compare': PAGE_COMPARE[name]} if name in PAGE_COMPARE else {})})
    names = {m['name'] for m in manifest}
    for m in manifest:
        if m.get('compare') not in names:
            m.pop('compare', None)
    with open(os.path.join(HERE, 'manifest.json'), 'w') as f:
        json.dump({'models': manifest}, f, indent=1)
        f.write('\n')
    write_cards(rows)


def target_of(name, measured):
    """Accuracy target (%) from the zoo issue; resnet56-sd's is resnet56's measured accuracy - 1."""
    if name == 'resnet56-sd':
        return 100 * measured['resnet56'] - 1 if 'resnet56' in measured else None
    return TARGET.get(name)


def sweep_errors(sweep):
    """{block: error %} of a delete-one sweep."""
    return {r['deleted'][0]: 100 * (1 - r['accuracy']) for r in sweep['rows']}


def write_cards(rows):
    measured = {name: ev['accuracy'] for name, _, _, ev, _ in rows}
    out = [open(os.path.join(HERE, 'CARD_HEADER.md')).read().rstrip() + '\n']
    out.append('\n## The zoo\n\n| model | engine accuracy | PyTorch accuracy | target | params | '
               'file | epochs | training time | seed |\n|---|---|---|---|---|---|---|---|---|')
    for name, s, info, ev, _ in rows:
        t = target_of(name, measured)
        acc = 100 * ev['accuracy']
        target = ('%.1f%% (%s)' % (t, 'met' if acc >= t else 'short by %.2f points' % (t - acc))) if t else '-'
        pt = '%.2f%%' % (100 * s['pytorch_test_acc'])
        if s['dtype'] != 'F32':
            pt += ' (float32 weights before export: %.2f%%)' % (100 * s['pytorch_test_acc_f32'])
        out.append('| `%s` | %.2f%% | %s | %s | %d | %.2f MB %s | %.1f | %.0f min | %d |' % (
            s['file'], acc, pt, target, info['params'],
            os.path.getsize(os.path.join(HERE, s['file'])) / 1e6, s['dtype'], s['epochs_done'],
            s['train_time_s'] / 60, s['seed']))
    if rows:
        s = rows[0][1]
        setups = sorted({'%s, %s' % (r[1]['hardware'], r[1].get('precision', 'float32')) for r in rows})
        out.append('\nTrained on the 50000 training images of `%s` (sha256 `%s`) on %s; PyTorch %s, '
                   'batch %d, SGD momentum 0.9 (Nesterov), weight decay %g, one-cycle learning rate '
                   'over each model\'s wall-clock budget (warm-up then cosine decay). Accuracies are on '
                   'the full 10000-image test batch; the engine and PyTorch agree to within 0.1 points '
                   '(CTest `zoo` re-checks the engine\'s figure).' % (
                       s['data'], s['data_sha256'], '; '.join(setups), s['torch'], s['batch'],
                       s['weight_decay']))
    out.append('\n## What deleting one block does\n\nFrom the tables below: test error of the whole '
               'network, and with one block deleted (`unravel sweep delete-one`, 10000 test images). '
               'Chance is 90% error.\n\n| model | blocks | error | other blocks deleted: median / worst error | '
               'downsampling blocks deleted | first block deleted |\n|---|---|---|---|---|---|')
    # Per model: baseline error and {block: error} of its delete-one sweep (%), computed once.
    swept = {name: (100 * (1 - sweep['baseline']['accuracy']), sweep_errors(sweep)) for name, _, _, _, sweep in rows}
    for name, s, info, ev, sweep in rows:
        _, errors = swept[name]
        down = info['downsampling']
        others = sorted(e for b, e in errors.items() if b not in down and b != 1)
        out.append('| %s | %d | %.2f%% | %.2f%% / %.2f%% | %s | %.2f%% |' % (
            name, info['blocks'], swept[name][0], statistics.median(others), others[-1],
            ', '.join('%d: %.2f%%' % (b, errors[b]) for b in down), errors[1]))
    out.append('\n## Delete one block (Fig. 3)\n\nTest error (%) with each block deleted, measured by '
               '`unravel sweep delete-one` on the 10000 test images; `*` marks a downsampling block.\n')
    for name, s, info, ev, sweep in rows:
        base, errors = swept[name]
        peer = COMPARE.get(name) if COMPARE.get(name) in swept else None
        head = '| block | error | change |'
        title = '**%s** (unmodified error %.2f%%' % (name, base)
        if peer:
            peer_base, peer_errors = swept[peer]
            head += ' %s error | %s change |' % (peer, peer)
            title += ', %s %.2f%%' % (peer, peer_base)
        out.append('%s)\n\n%s\n|%s' % (title, head, '---|' * (5 if peer else 3)))
        for b, e in sorted(errors.items()):
            line = '| %d%s | %.2f | %+.2f |' % (b, '*' if b in info['downsampling'] else '', e, e - base)
            if peer:
                line += ' %.2f | %+.2f |' % (peer_errors[b], peer_errors[b] - peer_base)
            out.append(line)
        out.append('')
    with open(os.path.join(HERE, 'README.md'), 'w') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()

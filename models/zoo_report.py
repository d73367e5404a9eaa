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

from gradients_report import section as gradients_section

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ['resnet20', 'plain20', 'resnet56', 'resnet110', 'resnet110-b', 'resnet56-sd']
KIND = {'resnet20': 'residual', 'resnet56': 'residual', 'resnet110': 'residual',
        'resnet110-b': 'residual', 'plain20': 'plain', 'resnet56-sd': 'stochastic-depth'}
# Zoo v2 aims (issue: zoo v2) on this JPEG-derived test batch.
TARGET = {'resnet20': 87.5, 'resnet56': 88.0, 'resnet110': 89.5, 'resnet110-b': 89.5, 'plain20': 83.0}
# Delete-one tables shown side by side (the paper's Fig. 8: stochastic depth vs plain training).
COMPARE = {'resnet56-sd': 'resnet56', 'resnet110-b': 'resnet110'}
# The page's comparison partner of each model (manifest "compare"): the paper's ResNet vs plain
# (VGG-like) figure, Fig. 8's stochastic-depth twin, and the two shortcut types.
PARTNER = {'resnet20': 'plain20', 'plain20': 'resnet20', 'resnet56': 'resnet56-sd',
           'resnet56-sd': 'resnet56', 'resnet110': 'plain20', 'resnet110-b': 'resnet110'}
# The full report of zoo v2 (downsampling costs, delete-k with and without the paper's
# exclusions) is made for the 54-block networks, the paper's depth.
DELETE_K_MODELS = ('resnet110', 'resnet110-b')
FIGURES = os.path.join(HERE, '..', 'web', 'src', 'paper-figures.json')


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


def measure_delete_k(args, name, model_path):
    """Delete-k (k = 1..20, 20 draws each) from the paper's eligible blocks and from all blocks:
    about an hour of a 2-core CPU per 54-block model, so cached like measure()."""
    key = {'model': sha256_of(model_path), 'data': os.path.abspath(args.data or os.environ.get('UNRAVEL_DATA', '')),
           'cli': os.path.getmtime(args.cli)}
    cache = os.path.join(HERE, 'checkpoints', name, 'delete_k.json')
    if os.path.exists(cache):
        kept = json.load(open(cache))
        if kept.get('key') == key:
            return kept['paper'], kept['all']
    out = {e: cli(args, 'sweep', 'delete-k', model_path, '--k', '1-20', '--trials', '20',
                  '--seed', '1', '--eligible', e) for e in ('paper', 'all')}
    os.makedirs(os.path.dirname(cache), exist_ok=True)
    with open(cache, 'w') as f:
        json.dump({'key': key, **out}, f)
    return out['paper'], out['all']


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
        manifest.append({'name': name, 'file': name + '.safetensors', 'num_blocks': info['num_blocks'],
                         'kind': KIND[name], 'accuracy': round(ev['accuracy'], 4),
                         'pytorch_accuracy': round(s['pytorch_test_acc'], 4),
                         'bytes': os.path.getsize(model_path),
                         'downsampling': info['downsampling']})
    names = {m['name'] for m in manifest}
    for m in manifest:
        if PARTNER.get(m['name']) in names:
            m['compare'] = PARTNER[m['name']]
    delete_k = {name: measure_delete_k(args, name, os.path.join(HERE, name + '.safetensors'))
                for name, s, *_ in rows if name in DELETE_K_MODELS and s.get('run')}
    with open(os.path.join(HERE, 'manifest.json'), 'w') as f:
        json.dump({'models': manifest}, f, indent=1)
        f.write('\n')
    write_cards(rows, delete_k)


def target_of(name, measured):
    """Accuracy target (%) from the zoo issue; resnet56-sd's is resnet56's measured accuracy - 1."""
    if name == 'resnet56-sd':
        return 100 * measured['resnet56'] - 1 if 'resnet56' in measured else None
    return TARGET.get(name)


def sweep_errors(sweep):
    """{block: error %} of a delete-one sweep."""
    return {r['deleted'][0]: 100 * (1 - r['accuracy']) for r in sweep['rows']}


def paper_fig5a():
    with open(FIGURES) as f:
        return json.load(f)['fig5a_delete_k_random_blocks']


def report_54(name, info, sweep, delete_k):
    """Zoo v2's evidence for one 54-block network, beside the paper's Figs. 3 and 5a."""
    with open(FIGURES) as f:
        fig3 = json.load(f)['fig3_delete_one_block']
    base = 100 * (1 - sweep['baseline']['accuracy'])
    errors = sweep_errors(sweep)
    down = info['downsampling']
    others = [e - base for b, e in errors.items() if b not in down and b != 1]
    paper = [100 * e for e in fig3['resnet110']]
    pbase = 100 * fig3['baseline_error']
    p_others = [e - pbase for i, e in enumerate(paper, 1) if i not in (1, 19, 37)]
    out = ['\n### %s against the paper\'s ResNet-110\n' % name,
           '| deletion (error rise over the intact network, points) | %s | paper (Fig. 3) |' % name,
           '|---|---|---|',
           '| intact network\'s error | %.2f%% | %.2f%% |' % (base, pbase)]
    for b in down:
        out.append('| downsampling block %d | %+.2f | %+.2f |' % (b, errors[b] - base, paper[b - 1] - pbase))
    out.append('| any other block except block 1: median (worst) | %+.2f (%+.2f) | %+.2f (%+.2f) |' % (
        statistics.median(others), max(others), statistics.median(p_others), max(p_others)))
    out.append('| block 1 | %+.2f | %+.2f |' % (errors[1] - base, paper[0] - pbase))
    if delete_k:
        fig5a = paper_fig5a()
        out.append('\nDelete k random blocks (Fig. 5a), 20 draws per k, seed 1: median test error '
                   '(quartiles). "paper" draws exclude block 1 and the downsampling blocks, as the '
                   'paper\'s box plots evidently did; "all" draws from every block.\n')
        out.append('| k | paper median | %s, paper draws | %s, all blocks |\n|---|---|---|---|' % (name, name))
        by_k = {e: {g['k']: g['error'] for g in delete_k[i]['groups']} for i, e in enumerate(('paper', 'all'))}
        for i, k in enumerate(fig5a['k']):
            cells = []
            for e in ('paper', 'all'):
                g = by_k[e].get(k)
                cells.append('%.1f%% (%.1f-%.1f)' % (100 * g['median'], 100 * g['q1'], 100 * g['q3']) if g else '-')
            out.append('| %d | %.1f%% | %s | %s |' % (k, 100 * fig5a['median'][i], cells[0], cells[1]))
    return out


def write_cards(rows, delete_k=None):
    delete_k = delete_k or {}
    measured = {name: ev['accuracy'] for name, _, _, ev, _ in rows}
    out = [open(os.path.join(HERE, 'CARD_HEADER.md')).read().rstrip() + '\n']
    out.append('\n## The zoo\n\n| model | engine accuracy | PyTorch accuracy | target | params | '
               'file | epochs | training time | seed |\n|---|---|---|---|---|---|---|---|---|')
    for name, s, info, ev, _ in rows:
        t = target_of(name, measured)
        acc = 100 * ev['accuracy']
        target = ('%.1f%% (%s)' % (t, 'met' if acc >= t else 'short by %.2f points' % (t - acc))) if t else '-'
        pt = '%.2f%%' % (100 * s['pytorch_test_acc'])
        if s['dtype'] != 'F32' and s.get('pytorch_test_acc_f32') is not None:
            pt += ' (float32 weights before export: %.2f%%)' % (100 * s['pytorch_test_acc_f32'])
        elif s['dtype'] != 'F32' and s.get('pytorch_test_acc_f32_packed') is not None:
            # Trained from a packed upload (remeasure.py): those weights stayed on that machine.
            pt += ' (float32 weights before export, on the packed test images: %.2f%%)' % (
                100 * s['pytorch_test_acc_f32_packed'])
        out.append('| `%s` | %.2f%% | %s | %s | %d | %.2f MB %s | %.1f | %.0f min | %d |' % (
            s['file'], acc, pt, target, info['params'],
            os.path.getsize(os.path.join(HERE, s['file'])) / 1e6, s['dtype'], s['epochs_done'],
            s['train_time_s'] / 60, s['seed']))
    if rows:
        s = rows[0][1]
        def hardware_of(summary):  # v2 summaries list every machine a run's segments used
            hw = summary['hardware']
            return ', '.join(hw) if isinstance(hw, list) else hw
        setups = sorted({'%s, %s' % (hardware_of(r[1]), r[1].get('precision', 'float32')) for r in rows})
        # Each data file the runs trained on (a GPU's upload is a packed copy: pack_data.py).
        by_data = {}
        for r in rows:
            by_data.setdefault((r[1]['data'], r[1]['data_sha256']), []).append(r[0])
        data_line = '; '.join('`%s` (sha256 `%s`)%s' % (d, sha, '' if len(by_data) == 1 else ': ' + ', '.join(names))
                              for (d, sha), names in by_data.items())
        out.append('\nTrained on the 50000 training images of %s on %s; PyTorch %s, '
                   'batch %d, SGD momentum 0.9 (Nesterov), weight decay %g, one-cycle learning rate '
                   '(warm-up then cosine decay). Accuracies are on '
                   'the full 10000-image test batch; the engine and PyTorch agree to within 0.1 points '
                   '(CTest `zoo` re-checks the engine\'s figure). Schedules: %s.' % (
                       data_line, '; '.join(setups), ', '.join(sorted({str(r[1]['torch']) for r in rows})), s['batch'],
                       s['weight_decay'], '; '.join('%s: %s' % (r[0], r[1]['schedule']) for r in rows)))
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
            name, info['num_blocks'], swept[name][0], statistics.median(others), others[-1],
            ', '.join('%d: %.2f%%' % (b, errors[b]) for b in down), errors[1]))
    v2 = [(name, info, sweep) for name, s, info, ev, sweep in rows if name in DELETE_K_MODELS and s.get('run')]
    if v2:
        out.append('\n## Zoo v2: which ResNet-110 reproduces Fig. 3\n')
        for name, info, sweep in v2:
            out.extend(report_54(name, info, sweep, delete_k.get(name)))
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
    gradients = gradients_section()  # generated by models/gradients_report.py from its results
    if gradients:
        out.append(gradients)
    with open(os.path.join(HERE, 'README.md'), 'w') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()

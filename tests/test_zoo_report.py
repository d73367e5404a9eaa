#!/usr/bin/python3
"""test_zoo_report.py UNRAVEL_CLI - models/zoo_report.py on stand-in models (tiny widths, random
weights, a synthetic test batch), in a temporary folder: the report of the training experiments
(issue 13) must show what the CLI measures and say what it means.

- resnet110-sd's downsampling and ordinary-block rises over its own intact error, beside
  resnet110's, are the CLI's delete-one sweeps; its accuracy verdict follows the seed spread and
  flips when resnet110 and resnet110-sd are swapped; the robustness and downsampling verdicts
  follow their stated conditions on the measured numbers.
- The seed-to-seed spread (mean, standard deviation, range) is that of the three seeds' CLI
  accuracies; the seed runs are measured but not in the manifest.
- resnet110-short: its delete-k table is the CLI's; its test-time rule, the pilot's two
  validation accuracies and the file's unravel.short_paths are in the card; its effective band
  is the gradient protocol's (run by the one mechanism, models/gradients_report.py, into a
  folder of the test's, with few samples).
- The manifest pairs resnet110-sd and resnet110-short with resnet110 and drops resnet56-sd once
  resnet110-sd exists (kept, with resnet56 as its partner, before); every network has a
  description, the issue-13 networks' holding their verdicts.
- A summary whose PyTorch accuracy disagrees with the engine's stops the report, naming the file.
- Zoo v2's verdicts (Fig. 3 downsampling and other blocks, Fig. 5a, the shortcut-type and
  training-length explanations against a stand-in zoo_v1.json, plain20's collapse, the accuracy
  aims with models/epochs_fit.py's estimate) each follow their stated condition on the CLI's
  numbers.
- The committed models/README.md, models/manifest.json and web/src/precomputed are untouched.
Exit 77 (skip) without torch.
"""
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
except ImportError:
    print('SKIP: no torch for this python (%s)' % sys.executable)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import MODELS, ROOT, check, finish  # noqa: E402  (and models/ on the import path)
import data  # noqa: E402
import epochs_fit  # noqa: E402
import safetensors_io  # noqa: E402
from cifar_resnet import CifarResNet, linear_decay_survival  # noqa: E402

CLI = sys.argv[1]
IMAGES = 48
FIRST = 12  # images of the --limit runs


def digest(path):
    h = hashlib.sha256()
    for root, _, files in sorted(os.walk(path)) if os.path.isdir(path) else [('', [], [path])]:
        for f in sorted(files):
            with open(os.path.join(root, f), 'rb') as fh:
                h.update(f.encode() + fh.read())
    return h.hexdigest()


def stand_in(seed, n, residual_scale=None, **kind):
    """A CifarResNet of widths 2/4/8 (fast to sweep) with random weights and BatchNorm statistics."""
    torch.manual_seed(seed)
    model = CifarResNet(n=n, widths=(2, 4, 8), residual_scale=residual_scale, **kind)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith('conv2.weight'):
                p.mul_(0.3)  # keeps 54 random blocks from blowing the activations up
            elif name.startswith('linear'):
                p.normal_(0, 1)
        for name, b in model.named_buffers():
            if name.endswith('running_mean'):
                b.normal_(0, 0.1)
            elif name.endswith('running_var'):
                b.uniform_(0.5, 2.0)
    return model.eval()


def predictions(model, images):
    with torch.no_grad():
        return model(data.normalise(torch.from_numpy(images))).argmax(1).numpy()


def summary(name, arch, seed, acc, **extra):
    """The fields of a train.py summary that the report reads."""
    run = {'arch': arch, 'block': 'preact', 'shortcut': 'A', 'shortcut_bn': 'true', 'n': 3, 'no_skip': False,
           'sd': None, 'epochs': 2, 'val': 0, 'lr': 0.2, 'warmup': 0.15, 'wd': 5e-4, 'batch': 128,
           'label_smoothing': 0.0, 'seed': seed, 'limit_train': 0}
    s = {'name': name, 'arch': arch, 'run': run, 'seed': seed, 'batch': 128, 'weight_decay': 5e-4,
         'schedule': 'one-cycle over 2 epochs', 'epochs_done': 2, 'train_time_s': 60.0,
         'hardware': ['stand-in'], 'torch': str(torch.__version__), 'data': 'synthetic.bin',
         'data_sha256': '0' * 64, 'pytorch_test_acc': acc, 'pytorch_test_acc_f32': acc,
         'file': name + '.safetensors', 'dtype': 'F32'}
    s.update(extra)
    return s


def cli(*argv):
    data = [] if argv[0] == 'info' else ['--data', BIN]
    return json.loads(subprocess.run([CLI, *argv, *data, '--json'], check=True,
                                     capture_output=True, text=True).stdout)


def report(folder, *extra):
    p = subprocess.run([sys.executable, os.path.join(MODELS, 'zoo_report.py'), '--cli', CLI, '--data', BIN_FULL,
                        '--models', folder, '--precomputed', os.path.join(folder, 'precomputed'),
                        '--gradient-samples', '2', '--threads', '1', *extra],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    return p.returncode, p.stdout


def line_of(card, start):
    """The first line of card that starts so ('' if none)."""
    found = [l for l in card.splitlines() if l.startswith(start)]
    return found[0] if found else ''


class Measured:
    """What the test computes from the CLI itself, to hold the card against."""

    def __init__(self, folder, name):
        sweep = cli('sweep', 'delete-one', os.path.join(folder, name + '.safetensors'))
        info = cli('info', os.path.join(folder, name + '.safetensors'))
        self.base = 100 * (1 - sweep['baseline']['accuracy'])
        self.rise = {r['deleted'][0]: 100 * (1 - r['accuracy']) - self.base for r in sweep['rows']}
        self.down = info['downsampling']
        self.ordinary = [r for b, r in self.rise.items() if b != 1 and b not in self.down]
        self.mean = statistics.mean(self.ordinary)
        self.over = sum(r > 1 for r in self.ordinary)


def verdicts(card):
    """{claim: sentence} of the card's 'What reproduced and what did not' list."""
    return {m.group(1): m.group(2) for m in re.finditer(r'^- \*\*(.+?)\.\*\* (.*)$', card, re.M)}


def check_experiments(folder, card, manifest, label):
    """Everything the issue's report asks, held against the CLI's own numbers."""
    sd, full, short = (Measured(folder, n) for n in ('resnet110-sd', 'resnet110', 'resnet110-short'))
    for b in sd.down:
        check(('| downsampling block %d | %+.2f | %+.2f |' % (b, sd.rise[b], full.rise[b])) in card,
              '%s: block %d singled out with the CLI\'s rises %+.2f / %+.2f' % (label, b, sd.rise[b], full.rise[b]))
    others = line_of(card, '| any other block but block 1')
    check(('%+.2f' % sd.mean) in others and ('%d of %d' % (sd.over, len(sd.ordinary))) in others,
          '%s: ordinary blocks of resnet110-sd: mean %+.2f, %d over a point: %s' % (label, sd.mean, sd.over, others))
    check('Block 1 here holds the stem\'s activation' in card, label + ': the block-1 note')
    check("resnet110-sd ran resnet110's recipe, epochs and seed." in card, label + ': the run definitions compared')
    accs = {n: cli('eval', os.path.join(folder, n + '.safetensors'))['accuracy'] * 100
            for n in ('resnet20', 'resnet20-seed2', 'resnet20-seed3')}
    spread = max(accs.values()) - min(accs.values())
    want = 'mean accuracy %.2f%%, standard deviation %.2f points, range %.2f points' % (
        statistics.mean(accs.values()), statistics.stdev(accs.values()), spread)
    check(want in card, '%s: the seed spread is the seeds\' (%s)' % (label, want))
    v = verdicts(card)
    diff = full.base - sd.base  # > 0: stochastic depth has the lower error
    said = v.get('Stochastic depth, accuracy', '')
    check(said.startswith('Reproduced') == (diff > spread), '%s: accuracy verdict (error %.2f vs %.2f, spread %.2f): %s'
          % (label, sd.base, full.base, spread, said))
    robust = sd.mean < full.mean and sd.over <= full.over
    said = v.get('Stochastic depth, deleting one block (Fig. 8)', '')
    check(said.startswith('Reproduced') == robust, '%s: robustness verdict (%s): %s' % (label, robust, said))
    said = v.get('Stochastic depth, downsampling blocks (Fig. 8)', '')
    check(said.startswith('Reproduced') == all(sd.rise[b] < 1 for b in sd.down), '%s: downsampling verdict: %s' % (label, said))
    said = v.get('Short paths only, accuracy (section 5)', '')
    check(said.startswith('Reproduced') == (abs(full.base - short.base) <= spread), '%s: short-path verdict: %s' % (label, said))
    names = [m['name'] for m in manifest['models']]
    check(names == ['resnet20', 'plain20', 'resnet56', 'resnet110', 'resnet110-b', 'resnet110-sd', 'resnet110-short'],
          '%s: shipped are the zoo\'s networks, resnet56-sd replaced, seeds left out: %s' % (label, names))
    pairs = {m['name']: m.get('compare') for m in manifest['models']}
    check(pairs.get('resnet110-sd') == 'resnet110' and pairs.get('resnet110-short') == 'resnet110',
          '%s: comparison partners %s' % (label, pairs))
    described = {m['name']: m.get('description', '') for m in manifest['models']}
    check(all(described.values()), label + ': every network has a description')
    check(v.get('Stochastic depth, accuracy', '?') in described['resnet110-sd']
          and v.get('Short paths only, accuracy (section 5)', '?') in described['resnet110-short'],
          label + ': the page\'s description holds the card\'s verdicts')
    # Short paths: what deleting blocks does, beside resnet110, from the CLI's own sweeps.
    said = 'one ordinary block, a median %+.2f points (%+.2f)' % (statistics.median(short.ordinary),
                                                                   statistics.median(full.ordinary))
    down = '; '.join('downsampling block %d: %+.2f (%+.2f)' % (b, short.rise[b], full.rise[b]) for b in short.down)
    check(said in described['resnet110-short'] and down in described['resnet110-short'],
          '%s: resnet110-short\'s description gives its deletion costs beside resnet110\'s (%s; %s): %s'
          % (label, said, down, described['resnet110-short']))
    return diff, spread


PAPER_FIG3 = json.load(open(os.path.join(ROOT, 'web', 'src', 'paper-figures.json')))['fig3_delete_one_block']
V1 = {'resnet110': {'epochs': 10.3, 'engine_accuracy': 0.5, 'delete_one': {
          'downsampling': [19, 37], 'error_by_block': {str(b): 90.0 if b in (19, 37) else 20.0 for b in range(1, 55)}}},
      'resnet20': {'epochs': 1.0, 'engine_accuracy': 0.05}}


def check_zoo_v2(folder, card, manifest, label):
    """The zoo v2 issue's verdicts: each follows its stated condition on the CLI's own numbers."""
    v = verdicts(card)
    fatal, as_paper = {}, {}
    for name in ('resnet110', 'resnet110-b'):
        m = Measured(folder, name)
        paper = {b: 100 * (PAPER_FIG3['resnet110'][b - 1] - PAPER_FIG3['baseline_error']) for b in m.down}
        errors = {b: m.rise[b] + m.base for b in m.down}
        fatal[name] = any(e >= 80 for e in errors.values())
        as_paper[name] = all(m.rise[b] <= 2 * paper[b] and errors[b] < 80 for b in m.down)
        want = ('Reproduced' if as_paper[name] else
                'Partly' if not fatal[name] else 'Not reproduced')
        said = v.get('%s, downsampling blocks (Fig. 3)' % name, '')
        check(said.startswith(want + ':') and all(('block %d: %.1f%% error' % (b, errors[b])) in said for b in m.down),
              '%s: %s downsampling verdict (%s expected): %s' % (label, name, want, said))
        said = v.get('%s, other blocks (Fig. 3)' % name, '')
        median = statistics.median(m.ordinary)
        check(said.startswith('Reproduced' if median <= 1 and m.base < 80 else 'Not reproduced')
              and ('a median %.2f points' % median) in said,
              '%s: %s ordinary-block verdict (median %.2f): %s' % (label, name, median, said))
        dk = cli('sweep', 'delete-k', os.path.join(folder, name + '.safetensors'), '--k', '1-20', '--trials', '20',
                 '--seed', '1', '--eligible', 'paper')
        fig5a = json.load(open(os.path.join(ROOT, 'web', 'src', 'paper-figures.json')))['fig5a_delete_k_random_blocks']
        pbase = 100 * PAPER_FIG3['baseline_error']
        beyond = [g['k'] for g in dk['groups'] if 100 * g['error']['median'] - m.base >
                  2 * (100 * fig5a['median'][g['k'] - 1] - pbase) + 2 or 100 * g['error']['median'] >= 80]
        said = v.get('%s, k random blocks (Fig. 5a)' % name, '')
        check(said.startswith('Not reproduced' if beyond else 'Reproduced')
              and (not beyond or ('from k = %d on' % beyond[0]) in said),
              '%s: %s delete-k verdict (beyond from %s): %s' % (label, name, beyond[:1], said))
    said = v.get('Explanation: shortcut type', '')
    want = ('Supported' if fatal['resnet110'] and as_paper['resnet110-b'] else
            'Partly supported' if fatal['resnet110'] and not fatal['resnet110-b'] else
            'Not supported' if fatal['resnet110'] else 'Not needed' if not fatal['resnet110-b'] else 'Against')
    check(said.startswith(want + ':'), '%s: shortcut explanation (%s, fatal %s): %s' % (label, want, fatal, said))
    said = v.get('Explanation: training length', '')
    want = 'Not supported at this length' if fatal['resnet110'] else 'Supported'
    check(said.startswith(want + ':') and '90.0%, 90.0% error after 10.3 epochs' in said,
          '%s: training-length explanation against the v1 record (%s): %s' % (label, want, said))
    # Option A trained with dropped blocks (resnet110-sd, resnet110-short): the third explanation.
    said = v.get('Explanation: training regime', '')
    if fatal['resnet110']:
        rises = {n: Measured(folder, n) for n in ('resnet110-sd', 'resnet110-short')}
        survive = [n for n, m in rises.items() if all(m.rise[b] <= 2 * 100 * (PAPER_FIG3['resnet110'][b - 1] - PAPER_FIG3[
            'baseline_error']) and m.rise[b] + m.base < 80 for b in m.down)]
        check(said.startswith('Supported' if survive else 'Not supported')
              and all(('%s: block %d %+.2f points' % (n, m.down[0], m.rise[m.down[0]])) in said for n, m in rises.items()),
              '%s: training-regime explanation (surviving: %s): %s' % (label, survive, said))
    else:
        check(not said, '%s: no training-regime explanation when resnet110 survives: %s' % (label, said))
    plain = Measured(folder, 'plain20')
    lowest = min(plain.rise.values()) + plain.base
    said = v.get('plain20, every layer (Fig. 3)', '')
    check(said.startswith('As the paper' if lowest >= 80 else 'Unlike the paper') and ('%.1f%% to' % lowest) in said,
          '%s: plain20 verdict (lowest %.1f%%): %s' % (label, lowest, said))
    acc = cli('eval', os.path.join(folder, 'resnet20.safetensors'))['accuracy']
    said = v.get('resnet20, accuracy aim', '')
    want = epochs_fit.aim_sentence('resnet20', [(1.0, 0.05), (2, acc)], 0.875, acc)
    check(said == want and ('by %.2f points' % (87.5 - 100 * acc)) in said and '1.0 epochs (5.00%)' in said,
          '%s: resnet20\'s aim, with the v1 point: %s' % (label, said))
    said = v.get('resnet110-b, accuracy aim', '')
    check('single run length' in said, '%s: resnet110-b has no v1 run: %s' % (label, said))
    described = {m['name']: m.get('description', '') for m in manifest['models']}
    check(v.get('resnet110-b, downsampling blocks (Fig. 3)', '?') in described['resnet110-b'],
          label + ': the page\'s description of resnet110-b holds its Fig. 3 verdict')


with tempfile.TemporaryDirectory() as tmp:
    # A synthetic test batch whose images differ in colour (pooled features then differ too).
    rng = np.random.default_rng(13)
    images = np.clip(rng.integers(0, 256, (IMAGES, 3, 1, 1)) + rng.integers(-40, 40, (IMAGES, 3, 32, 32)),
                     0, 255).astype(np.uint8)
    zoo = os.path.join(tmp, 'zoo')
    os.makedirs(zoo)
    L = 54
    nets = {'resnet110': stand_in(1, 18), 'resnet110-sd': stand_in(2, 18, linear_decay_survival(L, 0.5)),
            'resnet110-short': stand_in(3, 18), 'resnet20': stand_in(4, 3), 'resnet20-seed2': stand_in(5, 3),
            'resnet20-seed3': stand_in(6, 3), 'resnet56': stand_in(7, 9), 'resnet56-sd': stand_in(8, 9),
            'resnet110-b': stand_in(9, 18, shortcut='B'), 'plain20': stand_in(10, 3, skip=False)}
    nets['resnet110-short'].set_residual_scale([23 / L] * L)
    # Labels that make resnet110-sd right on two thirds of the first images and the others
    # right on one or two of them each (they agree with one another and with the labels on some
    # more by chance): stochastic depth is then far ahead of resnet110, by more than the seeds'
    # spread, and swapping the two files turns that round.
    guess = {name: predictions(model, images) for name, model in nets.items()}
    labels = guess['resnet110-sd'].copy()
    for i, name in zip(range(2 * FIRST // 3, FIRST), ('resnet110', 'resnet110-short', 'resnet20-seed2', 'resnet20-seed3')):
        labels[i] = guess[name][i]
    labels[3 * IMAGES // 4:] = (labels[3 * IMAGES // 4:] + 1) % 10
    BIN = BIN_FULL = os.path.join(tmp, 'synthetic.bin')
    with open(BIN, 'wb') as f:
        f.write(np.concatenate([labels.astype(np.uint8)[:, None], images.reshape(IMAGES, -1)], 1).tobytes())
    pilot_choice = {'rule': 'fraction', 'fraction': '23/54', 'epoch': 10, 'val_acc_scale_1': 0.8123,
                    'val_acc_scale_fraction': 0.8345, 'validation_images': 5000}
    short_paths = '23 of 54 residual branches per training mini-batch; test-time scale 23/54, validation choice of resnet110-short-pilot.json'
    for name, model in nets.items():
        extra = {'unravel.short_paths': short_paths} if name == 'resnet110-short' else None
        safetensors_io.export_model(model, os.path.join(zoo, name + '.safetensors'), extra_metadata=extra)
        acc = float((predictions(model, images) == labels).mean())
        arch = 'resnet20' if name.startswith('resnet20') else name
        seed = int(name[-1]) if 'seed' in name else 1
        more = {'train_blocks': 23, 'test_scale': {'rule': 'fraction', 'source': 'validation choice of '
                'resnet110-short-pilot.json: ' + json.dumps(pilot_choice)}} if name == 'resnet110-short' else {}
        with open(os.path.join(zoo, name + '.json'), 'w') as f:
            json.dump(summary(name, arch, seed, acc, **more), f)
    with open(os.path.join(zoo, 'zoo_v1.json'), 'w') as f:
        json.dump({'models': V1}, f)
    with open(os.path.join(zoo, 'resnet110-short-pilot.json'), 'w') as f:
        json.dump({'name': 'resnet110-short-pilot', 'test_scale_choice': pilot_choice}, f)
    # The recipe study's runs (summaries only: their models are not shipped); val-lr0.4 is ahead
    # by 0.4 points on 5000 images, less than twice the standard error of the difference.
    study = {'val-lr0.1': (0.1, 0.0, 0.861), 'val-lr0.2': (0.2, 0.0, 0.872), 'val-lr0.4': (0.4, 0.0, 0.876),
             'val-ls0.1': (0.2, 0.1, 0.869)}
    for name, (lr, ls, acc) in study.items():
        s = summary(name, 'resnet20', 1, 0.5, validation_images=5000, history=[{'epoch': 2, 'val_acc': acc}])
        s['run'] = dict(s['run'], lr=lr, label_smoothing=ls, val=5000)
        with open(os.path.join(zoo, name + '.json'), 'w') as f:
            json.dump(s, f)

    committed = {p: digest(os.path.join(ROOT, p)) for p in
                 ('models/README.md', 'models/manifest.json', 'web/src/precomputed')}

    # Before resnet110-sd exists: resnet56-sd stays, paired with resnet56; no issue-13 section.
    early = os.path.join(tmp, 'early')
    os.makedirs(early)
    for name in ('resnet20', 'resnet56', 'resnet56-sd'):
        for ext in ('.json', '.safetensors'):
            shutil.copy(os.path.join(zoo, name + ext), early)
    rc, log = report(early)
    check(rc == 0, 'the report runs on a zoo without the new networks:\n' + log)
    if rc == 0:
        manifest = json.load(open(os.path.join(early, 'manifest.json')))
        pairs = {m['name']: m.get('compare') for m in manifest['models']}
        check(pairs == {'resnet20': None, 'resnet56': 'resnet56-sd', 'resnet56-sd': 'resnet56'},
              'before resnet110-sd: resnet56-sd shipped and paired with resnet56: %s' % pairs)
        card = open(os.path.join(early, 'README.md')).read()
        check('## The paper\'s training experiments' not in card and 'Measured on the first' not in card,
              'no issue-13 section, no --limit note without them')
        check('### Recipe choices on a validation split' in card and 'Not run yet: val-lr0.1, val-lr0.2, val-lr0.4, val-ls0.1' in card,
              'the recipe study is said not to have run')
    # A summary whose PyTorch accuracy is not the engine's stops the report, naming the file.
    s = json.load(open(os.path.join(early, 'resnet56.json')))
    s['pytorch_test_acc'] += 0.05
    json.dump(s, open(os.path.join(early, 'resnet56.json'), 'w'))
    rc, log = report(early)
    check(rc != 0 and 'resnet56.safetensors' in log and 'more than 0.1 points apart' in log,
          'a PyTorch figure 5 points off stops the report, naming the file:\n' + log)

    # The whole zoo, on the first FIRST images: the report, held against the CLI.
    rc, log = report(zoo, '--limit', str(FIRST))
    check(rc == 0, 'the report runs on the whole stand-in zoo:\n' + log)
    if rc == 0:
        card = open(os.path.join(zoo, 'README.md')).read()
        manifest = json.load(open(os.path.join(zoo, 'manifest.json')))
        check('first %d test images' % FIRST in card, 'the card says it was measured on %d images' % FIRST)
        check('| val-lr0.4 | 0.4 | 0 | 2 | 87.60% (5000 images) |' in card and 'The recipe holds: the zoo\'s values (peak learning rate 0.2, '
              'no label smoothing: val-lr0.2) reach 87.20%' in card and '0.40 points apart' in card,
              'the recipe study\'s table and verdict are in the card')
        # The test's own CLI runs on the same images: a .bin of them.
        BIN = os.path.join(tmp, 'first.bin')
        with open(BIN_FULL, 'rb') as src, open(BIN, 'wb') as dst:
            dst.write(src.read(FIRST * 3073))
        diff, spread = check_experiments(zoo, card, manifest, 'zoo')
        check_zoo_v2(zoo, card, manifest, 'zoo')
        check(diff > spread, 'the stand-ins put resnet110-sd ahead by more than the seed spread (%.2f vs %.2f)' % (diff, spread))
        # resnet110-short: delete-k beside resnet110, test-time rule, validation evidence, band.
        dk = cli('sweep', 'delete-k', os.path.join(zoo, 'resnet110-short.safetensors'), '--k', '1-20',
                 '--trials', '20', '--seed', '1', '--eligible', 'paper')
        g = {x['k']: x['error'] for x in dk['groups']}
        row = line_of(card[card.index('### resnet110-short against resnet110'):], '| 10 | 19.0% |')
        check(row.startswith('| 10 | 19.0%% | %.1f%% (%.1f-%.1f) |' % (100 * g[10]['median'], 100 * g[10]['q1'], 100 * g[10]['q3'])),
              'the delete-k row k = 10 shows the CLI\'s median and quartiles first for resnet110-short: %s' % row)
        check('81.23% accuracy with the branches unscaled and 83.45% with them scaled by 23/54' in card
              and 'branches scaled by 23/54 at test time' in card and short_paths in card,
              'the test-time rule, the pilot\'s validation evidence and the metadata are in the card')
        grad = json.load(open(os.path.join(zoo, 'precomputed', 'gradients-resnet110-short.json')))['result']
        band = {round(b['mass'], 2): (b['lo'], b['hi']) for b in grad['bands']}
        check(grad['samples'] == 2 and ("resnet110-short's 90%% band is lengths %d-%d (97%%: %d-%d)" % (band[0.9] + band[0.97])) in card,
              'the effective band is the gradient protocol\'s: %s' % band)
        check(os.path.exists(os.path.join(zoo, 'measurements', 'resnet110-short', 'delete-k-all', 'k20.json')),
              'measurements are kept beside the models, delete-k one k per file')
        # The per-k pieces joined are the CLI's one sweep over k = 1..20, row for row.
        import zoo_report  # noqa: E402
        pieces = [json.load(open(os.path.join(zoo, 'measurements', 'resnet110-short', 'delete-k-paper', 'k%02d.json' % k)))['value']
                  for k in range(1, 21)]
        # (The pieces read the whole synthetic file with --limit, the CLI run here the first
        # images cut out: the same images, so all but the data's hash must agree.)
        def but_data_hash(sweep):
            return dict(sweep, spec=dict(sweep['spec'], data_sha256=None))
        joined = zoo_report.joined_sweep(pieces)
        check(but_data_hash(joined) == but_data_hash(dk), 'joined delete-k pieces differ from the CLI\'s sweep over 1-20: %s' % [
            (key, joined.get(key), dk.get(key)) for key in sorted(set(joined) | set(dk)) if key != 'rows' and joined.get(key) != dk.get(key)])
        try:
            zoo_report.joined_sweep([pieces[0], pieces[2]])
            check(False, 'pieces with a gap in k were joined')
        except SystemExit as e:
            check('do not join' in str(e), 'a gap in k: %s' % e)
        # Another machine: the same files and data at other paths. The committed measurements
        # are keyed by content, so --measure finds them all and measures nothing again.
        moved = os.path.join(tmp, 'moved')
        os.makedirs(moved)
        for name in ('resnet110-short',):
            for ext in ('.json', '.safetensors'):
                shutil.copy(os.path.join(zoo, name + ext), moved)
            shutil.copytree(os.path.join(zoo, 'measurements', name), os.path.join(moved, 'measurements', name))
        data_copy = os.path.join(tmp, 'elsewhere.bin')
        shutil.copy(BIN_FULL, data_copy)
        kept = os.path.join(moved, 'measurements', 'resnet110-short')

        def mtimes():
            return {os.path.relpath(os.path.join(r, f), kept): os.path.getmtime(os.path.join(r, f))
                    for r, _, files in os.walk(kept) for f in files}
        stamps = mtimes()
        p = subprocess.run([sys.executable, os.path.join(MODELS, 'zoo_report.py'), '--cli', CLI, '--data', data_copy,
                            '--models', moved, '--limit', str(FIRST), '--measure', 'resnet110-short'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
        check(p.returncode == 0 and 'resnet110-short measured' in p.stdout, '--measure runs: %s' % p.stdout)
        pieces = ['delete-k-%s/k%02d.json' % (e, k) for e in ('all', 'paper') for k in range(1, 21)]
        check(sorted(stamps) == pieces + ['delete-one.json', 'eval.json', 'info.json'] and mtimes() == stamps,
              'moved files and data: every measurement reused, none rewritten (%s)' % sorted(stamps))
        # A session stopped while measuring k = 7 of the paper's table: the next measures only it.
        os.remove(os.path.join(kept, 'delete-k-paper', 'k07.json'))
        p = subprocess.run([sys.executable, os.path.join(MODELS, 'zoo_report.py'), '--cli', CLI, '--data', data_copy,
                            '--models', moved, '--limit', str(FIRST), '--measure', 'resnet110-short'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
        now = mtimes()
        check(p.returncode == 0 and sorted(now) == sorted(stamps)
              and [f for f in now if now[f] != stamps[f]] == ['delete-k-paper/k07.json'],
              'resumed: only the missing piece measured (%s)' % [f for f in now if now.get(f) != stamps.get(f)])
        with open(data_copy, 'r+b') as f:  # one label changed: other data, measured again
            f.write(bytes([(open(BIN_FULL, 'rb').read(1)[0] + 1) % 10]))
        p = subprocess.run([sys.executable, os.path.join(MODELS, 'zoo_report.py'), '--cli', CLI, '--data', data_copy,
                            '--models', moved, '--limit', str(FIRST), '--measure', 'resnet110-short'],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
        check(p.returncode == 0 and os.path.getmtime(os.path.join(kept, 'eval.json')) != stamps['eval.json'],
              'other data: measured again')
        p = subprocess.run([sys.executable, os.path.join(MODELS, 'zoo_report.py'), '--cli', CLI, '--models', moved,
                            '--measure', 'resnet110'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(p.returncode != 0 and 'resnet110 has no model and summary' in p.stdout, '--measure of a missing network: %s' % p.stdout)

        # --kept-delete-k: a card while resnet110's tables are still being measured (k = 1-4 of
        # the paper's draws kept, none of all blocks'): nothing is measured, the table shows what
        # is kept, the card says what is pending, and Fig. 5a's verdict waits.
        partial = os.path.join(tmp, 'partial')
        shutil.copytree(zoo, partial)
        dk_kept = os.path.join(partial, 'measurements', 'resnet110')
        shutil.rmtree(os.path.join(dk_kept, 'delete-k-all'))
        for k in range(5, 21):
            os.remove(os.path.join(dk_kept, 'delete-k-paper', 'k%02d.json' % k))
        rc, log = report(partial, '--limit', str(FIRST), '--kept-delete-k')
        card = open(os.path.join(partial, 'README.md')).read()
        check(rc == 0 and sorted(os.listdir(os.path.join(dk_kept, 'delete-k-paper'))) == ['k%02d.json' % k for k in range(1, 5)]
              and not os.path.exists(os.path.join(dk_kept, 'delete-k-all')), '--kept-delete-k measured nothing:\n' + log)
        table = card[card.index('### resnet110 against the paper'):]
        check(re.match(r'\| 4 \| [0-9.]+% \| [0-9.]+% \([0-9.-]+\) \| - \|$', line_of(table, '| 4 |'))
              and line_of(table, '| 10 |').endswith('| - | - |'),
              'k = 4 kept, k = 10 pending: %s / %s' % (line_of(table, '| 4 |'), line_of(table, '| 10 |')))
        check('Still being measured for resnet110 (`-` above): paper draws: k = 5-20; all blocks draws: all of k = 1-20.' in card,
              'the card says which delete-k pieces are pending')
        fig5a_said = [l for l in card.split('\n') if l.startswith('- **resnet110, k random blocks (Fig. 5a).**')]
        check(len(fig5a_said) == 1 and ('Not decided yet' in fig5a_said[0] and 'k = 5-20 pending' in fig5a_said[0]
                                         or 'Not reproduced' in fig5a_said[0]),
              'Fig. 5a\'s verdict on a partial table: undecided unless a measured k already fails: %s' % fig5a_said)

        # Swapped: the normally trained network under resnet110-sd's name. The verdict flips.
        # (Their caches move with them: keyed by the file's sha256, they still hold.)
        for ext in ('.json', '.safetensors', ''):
            folder = 'measurements' if not ext else ''
            where = lambda n: os.path.join(zoo, folder, n + ext)
            os.rename(where('resnet110'), os.path.join(tmp, 'swap'))
            os.rename(where('resnet110-sd'), where('resnet110'))
            os.rename(os.path.join(tmp, 'swap'), where('resnet110-sd'))
        keep = os.environ.get('UNRAVEL_REPORT_OUT')  # a folder to keep the stand-ins' cards in, to read
        if keep:
            os.makedirs(keep, exist_ok=True)
            shutil.copy(os.path.join(zoo, 'README.md'), os.path.join(keep, 'stand-in-README.md'))
            shutil.copy(os.path.join(zoo, 'manifest.json'), os.path.join(keep, 'stand-in-manifest.json'))
        rc, log = report(zoo, '--limit', str(FIRST))
        check(rc == 0, 'the report runs on the swapped zoo:\n' + log)
        if rc == 0:
            card = open(os.path.join(zoo, 'README.md')).read()
            manifest = json.load(open(os.path.join(zoo, 'manifest.json')))
            check_experiments(zoo, card, manifest, 'swapped')
            check_zoo_v2(zoo, card, manifest, 'swapped')
            check(verdicts(card).get('Stochastic depth, accuracy', '').startswith('Not reproduced: stochastic depth raises'),
                  'swapped, the accuracy verdict says stochastic depth raised the error')

    after = {p: digest(os.path.join(ROOT, p)) for p in committed}
    check(after == committed, 'the committed card, manifest and precomputed results are untouched')

finish()

#!/usr/bin/python3
"""test_train.py [UNRAVEL_CLI] - the zoo's training recipe (models/train.py) on a small synthetic CIFAR-10
layout (random images, so no dataset is needed), on tiny networks:

- A run stopped after an epoch (--stop-after) and resumed exports a file byte-identical to an uninterrupted
  run (stochastic depth on: the resumed RNG state matters), and its summary records two
  segments with the same per-epoch history. A deadline already past trains nothing.
- A state written by another run definition is refused, naming the differing argument.
- Rerunning a finished run does nothing; its state file is gone.
- Short-path training (resnet110-short): with --val, the log holds both validation accuracies
  and the summary the test-time rule they favour; --test-scale takes that rule from the pilot's
  summary into the exported metadata; a missing pilot stops the export with the state kept;
  --test-scale fraction is refused for a network that trains every block.
- With the CLI: the engine predicts what PyTorch predicts from both short-path files (one with
  the 23/54 scale, one without) on every image whose top two logits are 1e-3 apart.
- Training from a packed file (pack_data.py, the GPU machine's upload) works, and remeasure.py
  then records the accuracy on the real test batch, keeping the packed figure beside.
Exit 77 (skip) without torch.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import torch  # noqa: F401  (train.py needs it; skip early without)
except ImportError:
    print('SKIP: no torch for this python (%s)' % sys.executable)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import MODELS, check, finish  # noqa: E402  (and models/ on the import path)
import safetensors_io  # noqa: E402
import train as train_py  # noqa: E402

CLI = sys.argv[1] if len(sys.argv) > 1 else None


def write_synthetic_cifar(folder, per_batch=64, seed=0):
    """The official binary layout (label byte + 3072 pixel bytes per record), random content."""
    rng = np.random.default_rng(seed)
    names = ['data_batch_%d.bin' % i for i in range(1, 6)] + ['test_batch.bin']
    for name in names:
        rec = np.empty((per_batch, 3073), np.uint8)
        rec[:, 0] = rng.integers(0, 10, per_batch)
        rec[:, 1:] = rng.integers(0, 256, (per_batch, 3072))
        with open(os.path.join(folder, name), 'wb') as f:
            f.write(rec.tobytes())


def train(tmp, out, *args):
    """Run train.py; -> (returncode, stdout+stderr). out names the run (out, state, summary)."""
    cmd = [sys.executable, os.path.join(MODELS, 'train.py'), '--threads', '1', '--data', DATA,
           '--out', os.path.join(tmp, out + '.safetensors'),
           '--state', os.path.join(tmp, out + '.pt')] + list(args)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    return p.returncode, p.stdout


def summary(tmp, out):
    with open(os.path.join(tmp, out + '.json')) as f:
        return json.load(f)


def read_bytes(path):
    with open(path, 'rb') as f:
        return f.read()


def engine_agrees(path, what):
    """The engine's predictions on the synthetic test batch equal PyTorch's on the clear images."""
    if not CLI:
        return
    import data
    model = safetensors_io.load_model(path)[0]
    images = data.load('test', DATA)[0]
    with torch.no_grad():
        logits = model(data.normalise(torch.from_numpy(images)))
    top2 = logits.topk(2, 1).values
    clear = ((top2[:, 0] - top2[:, 1]) > 1e-3).tolist()
    want = logits.argmax(1).tolist()
    # A lone .bin of any length (a folder's test_batch.bin must hold all 10000 records).
    records = os.path.join(os.path.dirname(path), 'records.bin')
    with open(os.path.join(DATA, 'test_batch.bin'), 'rb') as src, open(records, 'wb') as dst:
        dst.write(src.read())
    r = subprocess.run([CLI, 'eval', path, '--data', records, '--json', '--predictions', '--threads', '1'],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(r.returncode == 0, '%s: unravel eval failed: %s' % (what, r.stderr.strip()))
    if r.returncode == 0:
        got = json.loads(r.stdout)['predictions']['intact']
        differ = [i for i, c in enumerate(clear) if c and got[i] != want[i]]
        check(len(got) == len(want) and not differ and sum(clear) > len(clear) // 2,
              '%s: the engine differs from PyTorch on %d of %d clear images' % (what, len(differ), sum(clear)))


MACHINE_FIELDS = ('img_per_s', 'elapsed_s', 'cpu_cores_used', 'hardware')


def history_without_timing(s):
    return [{k: v for k, v in rec.items() if k not in MACHINE_FIELDS} for rec in s['history']]


with tempfile.TemporaryDirectory() as tmp:
    DATA = os.path.join(tmp, 'cifar')
    os.mkdir(DATA)
    write_synthetic_cifar(DATA)
    tiny = ['--block', 'preact', '--n', '1', '--sd', '0.5', '--epochs', '2', '--batch', '32',
            '--lr', '0.05', '--eval-every', '1']

    # Uninterrupted, and stopped after epoch 1 (--stop-after), then resumed.
    rc, log = train(tmp, 'whole', *tiny)
    check(rc == 0, 'uninterrupted run exits 0:\n' + log)
    rc, log = train(tmp, 'parts', *tiny, '--deadline', str(time.time()))
    check(rc == 0 and 'deadline: epoch 1' in log and not os.path.exists(os.path.join(tmp, 'parts.pt')),
          'a deadline already past trains nothing:\n' + log)
    rc, log = train(tmp, 'parts', *tiny, '--stop-after', '1')
    check(rc == 0 and 'stopping with 1 of 2' in log, '--stop-after 1 stops before epoch 2:\n' + log)
    check(os.path.exists(os.path.join(tmp, 'parts.pt')), 'the stopped run keeps its state')
    check(not os.path.exists(os.path.join(tmp, 'parts.safetensors')), 'the stopped run exports nothing')

    # Another run definition is refused, naming what differs; the state is untouched.
    before = read_bytes(os.path.join(tmp, 'parts.pt'))
    rc, log = train(tmp, 'parts', *(tiny + ['--lr', '0.1']))
    check(rc != 0 and 'belongs to another run' in log and "'lr'" in log,
          'a state of another run definition is refused naming lr:\n' + log)
    check(read_bytes(os.path.join(tmp, 'parts.pt')) == before, 'the refused state is untouched')

    rc, log = train(tmp, 'parts', *tiny)
    check(rc == 0 and 'resumed from' in log and 'at epoch 1 of 2' in log, 'resumes at epoch 1:\n' + log)
    whole = read_bytes(os.path.join(tmp, 'whole.safetensors'))
    check(whole == read_bytes(os.path.join(tmp, 'parts.safetensors')),
          'stopped and resumed exports the same bytes as uninterrupted')
    s_whole, s_parts = summary(tmp, 'whole'), summary(tmp, 'parts')
    check(len(s_whole['segments']) == 1 and len(s_parts['segments']) == 2,
          'segments: %d and %d (1 and 2 expected)' % (len(s_whole['segments']), len(s_parts['segments'])))
    check(s_parts['epochs_done'] == 2 and history_without_timing(s_whole) == history_without_timing(s_parts),
          'the resumed run has the same per-epoch history')
    check(all(isinstance(seg['torch'], str) for seg in s_parts['segments']), 'segments record torch as text')
    check(not os.path.exists(os.path.join(tmp, 'parts.pt')), 'the state is removed once exported')

    rc, log = train(tmp, 'whole', *tiny)
    check(rc == 0 and 'already trained and exported' in log, 'a finished run is not retrained:\n' + log)
    check(read_bytes(os.path.join(tmp, 'whole.safetensors')) == whole, 'the finished run is unchanged')

    rc, log = train(tmp, 'noshort', '--block', 'preact', '--n', '1', '--epochs', '1',
                    '--test-scale', 'fraction')
    check(rc != 0 and 'trains every block' in log, '--test-scale fraction on a full net is refused:\n' + log)

    # Short paths: a pilot with a validation split chooses the test-time rule ...
    short = ['--arch', 'resnet110-short', '--epochs', '1', '--batch', '64', '--dtype', 'F16']
    rc, log = train(tmp, 'pilot', *short, '--val', '64')
    check(rc == 0, 'short-path pilot exits 0:\n' + log)
    pilot = summary(tmp, 'pilot')
    last = pilot['history'][-1]
    choice = pilot.get('test_scale_choice') or {}
    check('val_acc' in last and 'val_acc_scaled' in last, 'the pilot logs both validation accuracies')
    expect = 'fraction' if last.get('val_acc_scaled', 0) > last.get('val_acc', 0) else '1'
    check(choice.get('rule') == expect and choice.get('fraction') == '23/54'
          and choice.get('validation_images') == 64, 'the pilot records its choice: %s' % choice)

    # The rule itself, on both outcomes (random images cannot be made to favour either).
    class ShortNet:
        train_blocks = 23

        def blocks(self):
            return [None] * 54
    for acc1, accf, rule in ((0.50, 0.60, 'fraction'), (0.60, 0.50, '1'), (0.55, 0.55, '1')):
        c = train_py.test_scale_choice([{'epoch': 1, 'val_acc': acc1, 'val_acc_scaled': accf}],
                                       ShortNet(), 64)
        check(c['rule'] == rule, 'validation %.2f unscaled vs %.2f scaled chooses %s, not %s'
              % (acc1, accf, rule, c['rule']))

    # ... which a run without validation takes into its file; without the pilot it stops, state kept.
    missing = os.path.join(tmp, 'no-such-pilot.json')
    rc, log = train(tmp, 'shipped', *short, '--test-scale', missing)
    check(rc != 0 and 'no-such-pilot.json' in log and 'state is kept' in log,
          'a missing pilot summary stops the export, naming it:\n' + log)
    check(os.path.exists(os.path.join(tmp, 'shipped.pt')), 'the state is kept for the rerun')
    rc, log = train(tmp, 'shipped', *short, '--test-scale', os.path.join(tmp, 'pilot.json'))
    check(rc == 0 and 'resumed from' in log, 'the rerun exports from the kept state:\n' + log)
    shipped = summary(tmp, 'shipped')
    check(len(shipped['segments']) == 1, 'the rerun trained no more epochs')
    check(shipped.get('test_scale', {}).get('rule') == choice.get('rule'), 'shipped rule = pilot rule')
    meta = safetensors_io.read(os.path.join(tmp, 'shipped.safetensors'))[1]
    scale = meta.get('unravel.residual_scale')
    if choice.get('rule') == 'fraction':
        check(scale is not None and [float(v) for v in scale.split(',')] == [23 / 54] * 54,
              'scaled by 23/54 in the metadata: %s' % scale)
    else:
        check(scale is None, 'unscaled: no residual_scale in the metadata')
    check('23 of 54' in meta.get('unravel.short_paths', '') and 'pilot.json' in meta['unravel.short_paths'],
          'the metadata says how it was trained and where the rule came from: %s'
          % meta.get('unravel.short_paths'))
    # The stated rule, the other way round from the pilot's: the file's scale follows it.
    other = '1' if choice.get('rule') == 'fraction' else 'fraction'
    rc, log = train(tmp, 'stated', *short, '--test-scale', other)
    meta = safetensors_io.read(os.path.join(tmp, 'stated.safetensors'))[1]
    check(rc == 0 and ('unravel.residual_scale' in meta) == (other == 'fraction'),
          '--test-scale %s gives %s residual_scale' % (other, 'a' if other == 'fraction' else 'no'))
    engine_agrees(os.path.join(tmp, 'shipped.safetensors'), 'shipped (rule %s)' % choice.get('rule'))
    engine_agrees(os.path.join(tmp, 'stated.safetensors'), 'stated (rule %s)' % other)

    # The packed data of a GPU upload trains the same recipe.
    packed = os.path.join(tmp, 'cifar.unrpack')
    p = subprocess.run([sys.executable, os.path.join(MODELS, 'pack_data.py'), '--data', DATA,
                        '--out', packed], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check(p.returncode == 0 and 'labels equal: True' in p.stdout, 'pack_data.py packs:\n' + p.stdout)
    cmd_data = DATA
    DATA = packed
    rc, log = train(tmp, 'frompack', '--block', 'preact', '--n', '1', '--epochs', '1', '--batch', '32')
    DATA = cmd_data
    check(rc == 0 and summary(tmp, 'frompack')['data'] == 'cifar.unrpack',
          'a run trains from a packed file and records it:\n' + log)

    # remeasure.py: the real test batch replaces the packed one's accuracy, which is kept beside.
    def remeasure(*args):
        p = subprocess.run([sys.executable, os.path.join(MODELS, 'remeasure.py'), *args],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return p.returncode, p.stdout
    packed_acc = summary(tmp, 'frompack')['pytorch_test_acc']
    rc, log = remeasure(os.path.join(tmp, 'frompack.json'), '--data', DATA)
    after = summary(tmp, 'frompack')
    import data
    images, labels = (torch.from_numpy(a) for a in data.load('test', DATA))
    real_acc = train_py.evaluate(safetensors_io.load_model(os.path.join(tmp, 'frompack.safetensors'))[0],
                                 images, labels, torch.device('cpu'))
    check(rc == 0 and after['pytorch_test_acc'] == real_acc and after['pytorch_test_acc_packed'] == packed_acc
          and after['test_data'] == 'cifar' and 'pytorch_test_acc_f32' not in after
          and 'pytorch_test_acc_f32_packed' in after, 'remeasure.py records the real test batch:\n' + log)
    rc, log = remeasure(os.path.join(tmp, 'frompack.json'), '--data', DATA)
    check(rc == 0 and summary(tmp, 'frompack')['pytorch_test_acc_packed'] == packed_acc,
          'a second remeasure keeps the packed figure:\n' + log)
    before = read_bytes(os.path.join(tmp, 'whole.json'))
    rc, log = remeasure(os.path.join(tmp, 'whole.json'), '--data', DATA)
    check(rc == 0 and 'nothing to do' in log and read_bytes(os.path.join(tmp, 'whole.json')) == before,
          'a run trained on the real data is left alone:\n' + log)
    rc, log = remeasure(os.path.join(tmp, 'frompack.json'), '--data', packed)
    check(rc != 0 and 'cifar.unrpack' in log and 'real test batch' in log, 'a packed --data is refused:\n' + log)
    rc, log = remeasure(os.path.join(tmp, 'nosuch.json'), '--data', DATA)
    check(rc != 0 and 'nosuch.json' in log, 'a missing summary is named:\n' + log)

finish()

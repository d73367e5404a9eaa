#!/usr/bin/python3
"""test_fig3_gate.py CLI - models/fig3_reproduced.py, train_zoo.sh's question before resnet110-b:
'cannot tell' (train it) without a zoo v2 resnet110 or a CLI; zoo_report's Fig. 3 verdict on
made-up delete-one sweeps put in zoo_report's own cache (reproduced, partly, at chance); a
PyTorch disagreement is no 'reproduced'; and, with UNRAVEL_DATA, one real measurement by the CLI
whose numbers land in the cache zoo_report reads."""
import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ROOT, check, finish  # noqa: E402  (and models/ on the import path)
import fig3_reproduced  # noqa: E402
import zoo_report  # noqa: E402

cli = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'build', 'cli', 'unravel')
folder = tempfile.mkdtemp(prefix='unravel-gate-')


def gate(*extra):
    """(exit status, printed line) of fig3_reproduced on the folder."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            status = fig3_reproduced.main(['--models', folder, '--cli', extra[0] if extra else cli])
        except SystemExit as e:  # zoo_report's refusals (a CLI failure, PyTorch disagreeing)
            status, out = e.code, io.StringIO(str(e))
    return status, out.getvalue().strip()


def summary(**fields):
    with open(os.path.join(folder, 'resnet110.json'), 'w') as f:
        json.dump(fields, f)


# Nothing yet, then the first zoo's summary (no run definition): cannot tell, so train resnet110-b.
status, said = gate()
check(status == 2 and 'no resnet110 model' in said and 'resnet110-b is needed' in said, 'empty folder: %s %s' % (status, said))
shutil.copy(os.path.join(ROOT, 'tests', 'golden', 'preact_a.safetensors'), os.path.join(folder, 'resnet110.safetensors'))
summary(pytorch_test_acc=0.9)
status, said = gate()
check(status == 2 and 'first zoo' in said, 'zoo v1 summary: %s %s' % (status, said))
summary(run={'arch': 'resnet110'}, pytorch_test_acc=0.9)
status, said = gate(os.path.join(folder, 'no-such-cli'))
check(status == 2 and 'no CLI at' in said and 'make native' in said, 'no CLI: %s %s' % (status, said))

# Made-up measurements in zoo_report's cache (the key: this model file, data, CLI, limit 0).
args = argparse.Namespace(models=folder, cli=cli, data=None, limit=0)
model = os.path.join(folder, 'resnet110.safetensors')


def measured(down, base=10.0, ordinary=10.5, accuracy=None):
    errors = {b: ordinary for b in range(1, 55)}
    errors.update({1: 40.0, 19: down[0], 37: down[1]})
    sweep = {'baseline': {'accuracy': 1 - base / 100},
             'rows': [{'deleted': [b], 'accuracy': 1 - e / 100} for b, e in errors.items()]}
    values = {'info': {'downsampling': [19, 37], 'num_blocks': 54}, 'eval': {'accuracy': 1 - base / 100},
              'delete-one': sweep}
    for what, value in values.items():
        path = os.path.join(folder, 'measurements', 'resnet110', what + '.json')
        if os.path.exists(path):
            os.remove(path)
        zoo_report.cached(args, 'resnet110', model, what, lambda v=value: v)
    summary(run={'arch': 'resnet110'}, pytorch_test_acc=accuracy if accuracy is not None else 1 - base / 100)


if check(os.path.exists(cli), 'the CLI %s exists (the cache key holds its time stamp)' % cli):
    for down, want, verdict in (((16, 17), 0, 'Reproduced:'), ((40, 45), 1, 'Partly:'), ((90, 40), 1, 'Not reproduced:')):
        measured(down)
        status, said = gate()
        check(status == want and verdict in said and 'block 19: %.1f%% error' % down[0] in said,
              'downsampling errors %s: exit %s, %s' % (down, status, said))
    # The verdict is zoo_report's: the same sentence the card will print.
    facts = zoo_report.Facts(args, [('resnet110', {'run': {}}) + zoo_report.measure(args, 'resnet110', model)], {}, [], {})
    check(facts.fig3_downsampling('resnet110')[1] in said, 'the gate says what the card will say')
    # Engine and PyTorch 0.5 points apart: a refusal (nonzero: train resnet110-b), never 'reproduced'.
    measured((16, 17), accuracy=0.895)
    status, said = gate()
    check(status not in (0, None) and 'more than 0.1 points apart' in said, 'PyTorch disagreeing: %s %s' % (status, said))

    # A real measurement (random weights: at chance, so not reproduced), cached where zoo_report
    # looks: a second call reads it instead of measuring again.
    data = os.environ.get('UNRAVEL_DATA')
    if data:
        shutil.rmtree(os.path.join(folder, 'measurements'))
        accuracy = zoo_report.run_json([cli, 'eval', model, '--json'])['accuracy']
        summary(run={'arch': 'resnet110'}, pytorch_test_acc=accuracy)
        status, said = gate()
        check(status == 1 and said.startswith('fig3_reproduced: Not reproduced:'), 'real sweep of a random network: %s %s' % (status, said))
        cache = os.path.join(folder, 'measurements', 'resnet110', 'delete-one.json')
        check(os.path.exists(cache) and len(json.load(open(cache))['value']['rows']) == 9, 'the sweep is cached for zoo_report')
        stamp = os.path.getmtime(cache)
        check(gate() == (status, said) and os.path.getmtime(cache) == stamp, 'a second call reads the cache')
    else:
        print('UNRAVEL_DATA not set: the real measurement is not checked')

shutil.rmtree(folder)
finish('fig3_gate')

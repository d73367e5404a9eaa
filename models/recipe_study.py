"""The recipe study: the zoo v2 issue makes the recipe's choices on a validation split cut from the
training images, never on the test batch. train_zoo.sh's val-* runs train resnet20 for 60 epochs
with 5000 training images held out, each changing one value of the recipe (peak learning rate
0.1, 0.2, 0.4; label smoothing 0.1). This reads their summaries (models/<run>.json, written by
train.py) and writes the card's section: each run's final validation accuracy and whether the
values the zoo was trained with hold up. zoo_report.py calls it; no CLI or torch is needed, the
validation accuracy is PyTorch's own (the held-out images are training images the engine's test
batch does not hold)."""
import json
import math
import os

RUNS = ('val-lr0.1', 'val-lr0.2', 'val-lr0.4', 'val-ls0.1')


def load(models_dir):
    """[(run, summary)] of the study's finished runs, in RUNS order."""
    out = []
    for name in RUNS:
        path = os.path.join(models_dir, name + '.json')
        if os.path.exists(path):
            with open(path) as f:
                out.append((name, json.load(f)))
    return out


def values(s):
    """The recipe values a run varies, from its run definition: (peak learning rate, label smoothing)."""
    return (s['run']['lr'], s['run'].get('label_smoothing') or 0.0)


def said_values(v):
    return 'peak learning rate %g, %s' % (v[0], 'label smoothing %g' % v[1] if v[1] else 'no label smoothing')


def val_acc(s):
    """(final validation accuracy, images): the last epoch's, on the held-out training images."""
    return s['history'][-1]['val_acc'], s['validation_images']


def margin(a, b, n, seed_range):
    """Points below which two validation accuracies (fractions, n images each) are no preference:
    twice the standard error of their difference, or resnet20's seed-to-seed range when that is
    larger (None before it is measured)."""
    se = 100 * math.sqrt(a * (1 - a) / n + b * (1 - b) / n)
    return max(2 * se, seed_range or 0.0), se


def verdict(runs, recipe, seed_range):
    """(holds: True, False or None, sentence) on the recipe's values against the study's best."""
    missing = [n for n in RUNS if n not in dict(runs)]
    if missing:
        return None, ('Not run yet: %s (models/train_zoo.sh trains the study after plain20; on a GPU, '
                      'models/device_train.sh\'s header has the one call).' % ', '.join(missing))
    best_name, best = max(runs, key=lambda r: val_acc(r[1])[0])
    ours = [(n, s) for n, s in runs if values(s) == recipe]
    if not ours:
        return None, ('No study run has the zoo\'s values (%s); the best on validation is %s (%s, %.2f%%).' % (
            said_values(recipe), best_name, said_values(values(best)), 100 * val_acc(best)[0]))
    name, s = ours[0]
    (a, n), (b, _) = val_acc(s), val_acc(best)
    m, se = margin(a, b, n, seed_range)
    noise = 'twice the standard error of the difference (%.2f points)%s' % (2 * se, (
        ' or resnet20\'s seed-to-seed range (%.2f points), the larger' % seed_range) if seed_range is not None
        else '; resnet20\'s seed-to-seed range is not measured yet')
    said = ('the zoo\'s values (%s: %s) reach %.2f%% on %d held-out training images; the best is %s (%s) at %.2f%%' % (
        said_values(recipe), name, 100 * a, n, best_name, said_values(values(best)), 100 * b))
    if best_name == name:
        return True, 'The recipe holds: %s, the best of the study.' % said.split('; the best is')[0]
    if 100 * (b - a) <= m:
        return True, 'The recipe holds: %s, %.2f points apart, within %s.' % (said, 100 * (b - a), noise)
    return False, ('The recipe does not hold: %s, %.2f points better, more than %s. The zoo\'s networks were '
                   'trained with the recipe\'s values before the study ran; %s would be the choice for new '
                   'runs.' % (said, 100 * (b - a), noise, said_values(values(best))))


def section(runs, recipe, seed_range):
    """The card's lines."""
    out = ['\n### Recipe choices on a validation split\n',
           'resnet20 for 60 epochs with 5000 of the 50000 training images held out (a seeded choice), '
           'one value of the recipe changed per run (`models/train_zoo.sh`, runs `val-*`); accuracy on '
           'the held-out images after the last epoch, PyTorch\'s. The test batch chooses nothing.\n']
    if runs:
        out.append('| run | peak learning rate | label smoothing | epochs | validation accuracy |\n|---|---|---|---|---|')
        for name, s in runs:
            acc, n = val_acc(s)
            out.append('| %s | %g | %g | %d | %.2f%% (%d images) |' % ((name,) + values(s) + (s['epochs_done'], 100 * acc, n)))
        out.append('')
    out.append('- **The recipe\'s values.** %s' % verdict(runs, recipe, seed_range)[1])
    return out

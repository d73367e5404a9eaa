#!/usr/bin/python3
"""Does resnet110 (option A, zoo v2) already reproduce Fig. 3's downsampling peaks? The zoo v2
issue trains resnet110-b (projection shortcuts) to test the shortcut-type explanation, and says to
skip it, saying why, only in that case. train_zoo.sh asks this before it spends about 11 CPU-hours
on resnet110-b.

The answer is zoo_report.py's own verdict (Facts.fig3_downsampling) on the CLI's delete-one sweep
of resnet110 over the full test batch, measured and cached where zoo_report keeps it, so the card
later says the same from the same numbers. About 15 minutes of a 2-core CPU.
    /usr/bin/python3 models/fig3_reproduced.py [--cli build/cli/unravel] [--data PATH]
Exit 0: reproduced (resnet110-b is not needed); 1: not reproduced (train it); 2: cannot tell
(no zoo v2 resnet110 yet, no CLI): train it. The reason is printed either way.
"""
import argparse
import json
import os
import sys

import zoo_report

REPRODUCED, NOT_REPRODUCED, CANNOT_TELL = 0, 1, 2


def decide(args):
    """(exit status, sentence)."""
    model = os.path.join(args.models, 'resnet110.safetensors')
    summary = os.path.join(args.models, 'resnet110.json')
    if not (os.path.exists(model) and os.path.exists(summary)):
        return CANNOT_TELL, 'no resnet110 model and summary in %s yet' % args.models
    with open(summary) as f:
        s = json.load(f)
    if not s.get('run'):
        return CANNOT_TELL, '%s is the first zoo\'s (no run definition): the zoo v2 resnet110 has not finished' % summary
    if not os.path.exists(args.cli):
        return CANNOT_TELL, 'no CLI at %s to measure resnet110 with (make native builds it)' % args.cli
    info, ev, sweep = zoo_report.measure(args, 'resnet110', model)
    zoo_report.check_pytorch(args, model, s, ev)
    facts = zoo_report.Facts(args, [('resnet110', s, info, ev, sweep)], {}, [], {})
    reproduced, said = facts.fig3_downsampling('resnet110')
    return (REPRODUCED if reproduced else NOT_REPRODUCED), said


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--cli', default=os.path.join(zoo_report.HERE, '..', 'build', 'cli', 'unravel'))
    p.add_argument('--data', default=None, help='CIFAR-10 (default: $UNRAVEL_DATA, as the CLI reads it)')
    p.add_argument('--models', default=zoo_report.HERE, help='folder of the models, their summaries and the cache')
    args = p.parse_args(argv)
    args.limit = 0  # the verdict is on the full test batch only
    status, said = decide(args)
    then = {REPRODUCED: 'resnet110-b is not needed', NOT_REPRODUCED: 'resnet110-b is needed',
            CANNOT_TELL: 'cannot tell, so resnet110-b is needed'}[status]
    print('fig3_reproduced: %s -> %s' % (said, then))
    return status


if __name__ == '__main__':
    sys.exit(main())

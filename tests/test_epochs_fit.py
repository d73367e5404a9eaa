#!/usr/bin/python3
"""test_epochs_fit.py - models/epochs_fit.py: the error = a + b / epochs fit and the card's
sentence about how many epochs an accuracy aim needs."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, finish  # noqa: E402  (and models/ on the import path)
import epochs_fit  # noqa: E402


# Points on an exact curve a + b / E come back exactly, through two or more of them.
a, b = 0.08, 1.2
curve = [(e, a + b / e) for e in (10, 20, 40, 80)]
for pts in (curve[:2], curve):
    fa, fb = epochs_fit.fit(pts)
    check(math.isclose(fa, a, abs_tol=1e-12) and math.isclose(fb, b, abs_tol=1e-12),
          'fit through %d points: a %.6f b %.6f' % (len(pts), fa, fb))
need, _, _ = epochs_fit.epochs_for(curve[:2], a + b / 60)
check(math.isclose(need, 60), 'the error at 60 epochs is reached at %.6f epochs' % need)

# Below the asymptote, or where longer runs were worse, there is no answer.
check(epochs_fit.epochs_for(curve[:2], a - 0.01)[0] is None, 'an aim below the asymptote is out of reach')
check(epochs_fit.epochs_for([(10, 0.10), (20, 0.12)], 0.09)[0] is None, 'longer runs that did worse give no estimate')
for bad in ([(10, 0.1)], [(10, 0.1), (10, 0.2)], []):
    try:
        epochs_fit.fit(bad)
        check(False, 'fit(%r) refused' % (bad,))
    except ValueError:
        check(True, '')

# The card's sentence: met, missed with an estimate, missed beyond reach, a single length.
s = epochs_fit.aim_sentence('resnet20', [(26.88, 0.867), (60, 0.875)], 0.875, 0.876)
check(s.startswith('resnet20 meets its aim of 87.5%'), s)
pts = [(27.0, 1 - (a + b / 27)), (60.0, 1 - (a + b / 60))]
acc60 = pts[1][1]
s = epochs_fit.aim_sentence('resnet20', pts, 1 - (a + b / 120), acc60)
check('by %.2f points' % (100 * ((a + b / 60) - (a + b / 120))) in s and 'about 120 epochs, 60 more' in s, s)
s = epochs_fit.aim_sentence('resnet20', pts, 1 - a + 0.01, acc60)
check('would not close it' in s and '%.2f%%' % (100 * (1 - a)) in s, s)
s = epochs_fit.aim_sentence('resnet110-b', [(40, 0.88)], 0.895, 0.88)
check('by 1.50 points' in s and 'single run length' in s, s)

finish()

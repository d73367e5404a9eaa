"""What the Python tests share: the source tree (UNRAVEL_SOURCE, or this file's parent folder)
with its models/ on the import path, and a counter of checks that reports failures as they come
and sets the exit status at the end."""
import os
import sys

ROOT = os.environ.get('UNRAVEL_SOURCE') or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, 'models')
sys.path.insert(0, MODELS)

_counts = {'checks': 0, 'failures': 0}


def check(ok, what):
    """Count one check; print what failed. Returns ok, so a test can skip what depends on it."""
    _counts['checks'] += 1
    if not ok:
        _counts['failures'] += 1
        print('FAIL: %s' % what)
    return ok


def finish(name=None):
    """Print the tally and exit 1 if any check failed, else 0."""
    c, f = _counts['checks'], _counts['failures']
    print('%s%d checks, %d failures' % (name + ': ' if name else '', c, f))
    sys.exit(1 if f else 0)

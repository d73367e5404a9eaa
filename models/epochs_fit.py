"""How many epochs an accuracy aim needs, estimated from finished runs of one network.

The zoo v2 issue asks, where an aim is missed, how many more epochs would close it. Runs of one
recipe that differ only in length (a one-cycle schedule stretched to E epochs) give points of
test error against E; this fits error(E) = a + b / E through them (exactly through two, least
squares through more) and solves for the aim. a is the error this recipe tends to with ever
longer schedules: an aim below it is out of reach of more epochs alone. Two points determine the
curve without any check of its shape, so the card states the estimate as such.
"""


def fit(points):
    """points: [(epochs, error)] of at least two distinct lengths -> (a, b) of a + b / epochs."""
    xs = [1.0 / e for e, _ in points]
    ys = [err for _, err in points]
    if len(points) < 2 or len(set(xs)) < 2:
        raise ValueError('need runs of at least two different lengths, got %r' % (points,))
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return my - b * mx, b


def epochs_for(points, target_error):
    """-> (epochs reaching target_error or None where the fit never gets there, a, b)."""
    a, b = fit(points)
    if b <= 0 or target_error <= a:
        return None, a, b  # longer runs did not help, or the aim lies below the asymptote
    return b / (target_error - a), a, b


def aim_sentence(name, points, aim_acc, acc):
    """One sentence for the card: how far acc (this run's accuracy, 0-1) is from aim_acc and what
    the fit through points [(epochs, accuracy)] says more epochs would do."""
    if acc >= aim_acc:
        return '%s meets its aim of %.1f%% (%.2f%%).' % (name, 100 * aim_acc, 100 * acc)
    lengths = ' and '.join('%.1f epochs (%.2f%%)' % (e, 100 * a_) for e, a_ in sorted(points))
    gap = '%s misses its aim of %.1f%% by %.2f points' % (name, 100 * aim_acc, 100 * (aim_acc - acc))
    try:
        need, a, _ = epochs_for([(e, 1 - a_) for e, a_ in points], 1 - aim_acc)
    except ValueError:
        return gap + '; a single run length gives no estimate of what more epochs would do.'
    if need is None:
        return ('%s. Fitting error = a + b / epochs through %s, longer runs level off at %.2f%% '
                'accuracy: more epochs of this recipe alone would not close it.' % (gap, lengths, 100 * (1 - a)))
    return ('%s. Fitting error = a + b / epochs through %s, it needs about %.0f epochs, %.0f more '
            'than the longest run (an extrapolation from %d run lengths).' % (
                gap, lengths, need, need - max(e for e, _ in points), len(points)))

"""streamclose.py GOT WANT TOL: exit 0 if stream GOT is stream WANT but for the
floating-point tensors, each within TOL of WANT's (the largest absolute difference);
else prints why and exits 1. Every record's kind, keys and other values, every
tensor's dtype and shape, and every integer tensor must be the same. For the
results that are the same bytes where each row of a product gets the same bits
whatever the rows beside it (AVX-512), and close elsewhere (tests/lib.sh same_net)."""
import sys

import numpy as np

sys.path.insert(0, sys.argv[0].rsplit("/", 3)[0] + "/formats")
import dcstream  # noqa: E402


def main():
    got, want, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
    try:
        a, b = list(dcstream.records(got)), list(dcstream.records(want))
    except ValueError as e:
        print("unreadable: %s" % e)
        return 1
    if len(a) != len(b):
        print("%d records, wanted %d" % (len(a), len(b)))
        return 1
    worst = 0.0
    for i, (r, s) in enumerate(zip(a, b)):
        where = "record %d (%s)" % (i + 1, s.get("kind"))
        if sorted(r) != sorted(s):
            print("%s: keys %s, wanted %s" % (where, sorted(r), sorted(s)))
            return 1
        for k in s:
            x, y = r[k], s[k]
            if isinstance(y, np.ndarray):
                if x.dtype != y.dtype or x.shape != y.shape:
                    print("%s: %s %s %s, wanted %s %s" % (where, k, x.dtype, x.shape, y.dtype, y.shape))
                    return 1
                if y.dtype.kind in "fc":
                    d = float(np.abs(x.astype(np.complex128) - y).max()) if y.size else 0.0
                    if not d <= tol:
                        print("%s: %s off by %.3g, more than %g" % (where, k, d, tol))
                        return 1
                    worst = max(worst, d)
                elif not np.array_equal(x, y):
                    print("%s: %s differs" % (where, k))
                    return 1
            elif x != y:
                print("%s: %s is %r, wanted %r" % (where, k, x, y))
                return 1
    print("%.3g" % worst)
    return 0


sys.exit(main())

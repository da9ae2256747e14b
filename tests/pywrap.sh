#!/bin/sh
# tests/pywrap.sh: "$PY" of the shell tests (tests/run.sh sets it): Python
# ($PYREAL), and a line in the test's $PYFAILS where it exits non-zero, so that a
# block that died without a traceback (killed by a signal, or sys.exit("why"))
# counts as a failure.
"$PYREAL" "$@"
rc=$?
[ $rc -eq 0 ] || printf 'exit %d: python %.100s\n' "$rc" "$(printf '%s' "$*" | head -n 1)" \
    >>"${PYFAILS:-/dev/null}"
exit $rc

# tests/sh/runner.sh: tests/run.sh itself, on a tree of its own with four test files that
# each lose checks a different way: Python blocks of a shell test that die
# without a traceback (killed; sys.exit("why")), one that raises, a file that
# outlives TEST_TIMEOUT with a child that ignores the TERM, a file that exits
# with no check. The counts, the FAIL lines, the exit status, and no process
# left behind.
. "$ROOT/tests/lib.sh"
mkdir -p r/tests/sh r/build/bin
cp "$ROOT/tests/run.sh" "$ROOT/tests/lib.sh" "$ROOT/tests/pywrap.sh" r/tests/
cat >r/tests/sh/a.sh <<'EOF'
. "$ROOT/tests/lib.sh"
pass "a: one"
"$PY" -c 'import os, signal
os.kill(os.getpid(), signal.SIGKILL)'
"$PY" - <<'PYEOF'
import sys
sys.exit("why")
PYEOF
EOF
cat >r/tests/sh/b.sh <<EOF
. "\$ROOT/tests/lib.sh"
pass "b: one"
sh -c 'echo \$\$ >"$T/child.pid"; trap "" TERM; exec sleep 47' &
sleep 48
EOF
cat >r/tests/sh/c.sh <<'EOF'
. "$ROOT/tests/lib.sh"
"$PY" -c 'raise ValueError("c")'
pass "c: after it"
EOF
cat >r/tests/sh/d.sh <<'EOF'
exit 3
EOF
PY=${PYREAL:-$PY} TEST_TIMEOUT=2 B=build sh r/tests/run.sh >run.out 2>&1
same "exit status 1" "$?" 1
same "the total" "$(tail -n 1 run.out)" "3 passed, 5 failed"
same "per file" "$(awk '$1 ~ /^sh\// { print $1, $2, $4 }' run.out | tr '\n' ';')" \
    "sh/a 1 2;sh/b 1 1;sh/c 1 1;sh/d 0 1;"
same "a: the blocks that died" "$(grep -m 1 '^    FAIL: sh/a' run.out)" \
    "    FAIL: sh/a: 2 Python block(s) exited non-zero, the first: exit 137: python -c import os, signal"
same "b: killed" "$(grep -m 1 '^    FAIL: sh/b' run.out)" \
    "    FAIL: sh/b: still running after 2 s (TEST_TIMEOUT): killed"
same "c: the traceback" "$(grep -m 1 '^    FAIL: sh/c' run.out)" \
    "    FAIL: sh/c: 1 Python traceback(s): ValueError: c"
same "d: no check" "$(grep -m 1 '^    FAIL: sh/d' run.out)" "    FAIL: sh/d: exited 3"
sleep 0.2
cpid=$(cat child.pid 2>/dev/null)
num "b: its child wrote its pid" "${cpid:-0}" ">" 1
# gone, or a zombie (killed, its parent gone, where PID 1 does not reap)
st=$(cut -d ' ' -f 3 "/proc/${cpid:-0}/stat" 2>/dev/null)
if [ -n "$st" ] && [ "$st" != Z ]; then
	fail "b: its child that ignored the TERM is gone" "pid $cpid still runs ($st)"
	kill -KILL "$cpid"
else
	pass "b: its child that ignored the TERM is gone"
fi

#!/bin/sh
# tests/sh/pipes.sh: the tools grow the pipes they read and write to 256 KiB
# (libcommon/stream.c, grow_pipe: 4 times fewer wake-ups for a big record), from
# either end, never shrink one, and write the same bytes into a pipe as into a
# file. A pipe's size is asked (F_GETPIPE_SZ) at its other end once the tool is
# done with it.
. "$ROOT/tests/lib.sh"
S=$DATA/speech
getsz='import fcntl; print(fcntl.fcntl(0, fcntl.F_GETPIPE_SZ))'

dc-stft "$S/so0048_000480014.flac" >f.dcs || fail "dc-stft" "exit $?"
# the writer's end
dc-stft "$S/so0048_000480014.flac" | { cat >p.dcs; "$PY" -c "$getsz" >size; }
same "dc-stft into a pipe: grown to 256 KiB" "$(cat size)" 262144
cmp -s f.dcs p.dcs && pass "dc-stft into a pipe: the bytes written into a file" ||
    fail "dc-stft into a pipe" "the stream differs from the file's"
# the reader's end, behind a writer that is not ours
dc-dump f.dcs >dump.ref || fail "dc-dump f.dcs" "exit $?"
cat f.dcs | { dc-dump >dump.out; "$PY" -c "$getsz" >size; }
same "dc-dump reading a pipe: grown to 256 KiB" "$(cat size)" 262144
cmp -s dump.ref dump.out && pass "dc-dump reading a pipe: the lines of the file" ||
    fail "dc-dump reading a pipe" "output differs"
# a pipe made bigger already stays so: 1 MiB before dc-dump starts on it, asked
# once dc-dump is done (a shrink below what the pipe holds would fail anyway, so
# the pipe holds less than 256 KiB when dc-dump starts)
"$PY" -c '
import fcntl, msgpack, os, subprocess
r, w = os.pipe()
fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20)
p = subprocess.Popen(["dc-dump"], stdin=r, stdout=subprocess.DEVNULL)
os.write(w, msgpack.packb({"kind": "dcsep", "version": 1, "history": ["pipes"]}))
os.close(w)
print(p.wait(), fcntl.fcntl(r, fcntl.F_GETPIPE_SZ))' >size 2>err
same "a 1 MiB pipe into dc-dump: exit 0, not shrunk" "$(cat size)" "0 1048576"

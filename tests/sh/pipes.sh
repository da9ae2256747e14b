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
# a record the tool uses and also passes on goes out as it arrives, not once it
# is whole (stream.c, tee_kind): dc-kmeans, fed all of a 5 MB embed record but
# its last 1 MB, has passed at least half of what it was given on before the rest
# comes (20 s at most); then, given the rest, it writes the bytes it writes from a
# file
PYTHONPATH="$ROOT/formats" "$PY" - f.dcs >tee.out 2>tee.err <<'EOF2'
import os, subprocess, sys, threading, time
import numpy as np, dcstream as D
head = open(sys.argv[1], "rb").read()
T = next(r for r in D.records(open(sys.argv[1], "rb")) if r["kind"] == "stft")["data"].shape[0]
rng = np.random.default_rng(1)
E = rng.standard_normal((T, 129, 40)).astype(np.float32)
E /= np.linalg.norm(E, axis=2, keepdims=True)
s = head + D.pack_record("embed", E, model="pipes")
open("e.dcs", "wb").write(s)
cut = len(s) - (1 << 20)
p = subprocess.Popen(["dc-kmeans", "-k", "2"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
out = bytearray()
def get():
    while True:
        b = os.read(p.stdout.fileno(), 1 << 20)
        if not b:
            return
        out.extend(b)
r = threading.Thread(target=get)
r.start()
p.stdin.write(s[:cut])
p.stdin.flush()
end = time.monotonic() + 20
while len(out) - len(head) < (cut - len(head)) // 2 and time.monotonic() < end:
    time.sleep(0.05)
before = len(out)
p.stdin.write(s[cut:])
p.stdin.close()
r.join()
print(p.wait(), len(s) - cut, before - len(head) >= (cut - len(head)) // 2)
open("tee.dcs", "wb").write(out)
EOF2
same "dc-kmeans passes a used record on as it arrives: half of it out before its last 1 MB is in" \
    "$(cat tee.out)" "0 1048576 True"
# independently of the reader: after its own header, the output holds the input's
# records byte for byte (utt, stft, embed) and then one labels record
"$PY" - e.dcs tee.dcs >tee.chk 2>&1 <<'EOF2'
import io, sys, msgpack
def split(b):
    u = msgpack.Unpacker(io.BytesIO(b), raw=False, max_bin_len=1 << 30)
    u.unpack()
    return u.tell()
i, o = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
body = i[split(i):]
rest = o[split(o):]
tail = list(msgpack.Unpacker(io.BytesIO(rest[len(body):]), raw=False, max_bin_len=1 << 30))
print(rest[:len(body)] == body, [r["kind"] for r in tail])
EOF2
same "dc-kmeans fed in two parts: the input's records as they came, then labels" \
    "$(cat tee.chk)" "True ['labels']"
dc-kmeans -k 2 e.dcs >tee.ref || fail "dc-kmeans -k 2 e.dcs" "exit $?"
cmp -s tee.ref tee.dcs && pass "dc-kmeans fed in two parts: the bytes it writes from a file" ||
    fail "dc-kmeans fed in two parts" "the stream differs from the file's"

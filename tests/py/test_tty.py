"""tests/py/test_tty.py: a terminal where a stream or audio would be read or
written. A tool whose stdin is a terminal, where it reads a stream, exits 2 at once
with one line (a stream is never typed, and it would wait without a word); where it
reads audio from stdin, it exits 1 with the audio message; a tool whose stdout is a
terminal, where it writes a stream, WAV or .npy, exits 2. Each run has a pseudo
terminal (pty) on one side and a file or pipe on the other, and 30 s to end: a tool
that waits fails. Then dc-embed's progress line: on a terminal (stderr) only,
rewritten in place, wiped at the end, before an error's line and on SIGPIPE; and
any message on a terminal starts by wiping the line (another stage's progress line
may be on it). Prints PASS/FAIL
lines; exits 1 if any check failed.
"""
import os
import pty
import subprocess
import sys
import tempfile

ROOT = os.environ.get("ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, os.environ.get("B", "build"), "bin")
MIX = os.path.join(ROOT, "examples", "mix.wav")
S1 = os.path.join(ROOT, "examples", "s1.wav")
S2 = os.path.join(ROOT, "examples", "s2.wav")
failed = 0


def check(name, ok, why=""):
    global failed
    print("PASS: %s" % name if ok else "FAIL: %s: %s" % (name, why))
    failed += not ok


def run_err_tty(args, stdin_path):
    """args with stdin_path as stdin, stdout to /dev/null and a pty as stderr:
    (exit status, all the bytes written to the terminal)."""
    m, s = pty.openpty()
    with open(stdin_path, "rb") as fin:
        p = subprocess.Popen([os.path.join(BIN, args[0])] + args[1:], stdin=fin,
                             stdout=subprocess.DEVNULL, stderr=s)
    os.close(s)
    out = b""
    while True:
        try:
            d = os.read(m, 65536)
        except OSError:     # EIO: the last writer has gone
            break
        if not d:
            break
        out += d
    os.close(m)
    return p.wait(timeout=60), out


def run(args, tty_in, stdin_path=None):
    """args with a pty as stdin (tty_in) or stdout; the other side stdin_path or
    /dev/null, and a pipe for what is not the pty. (exit status, stderr), or
    (None, 'timed out')."""
    m, s = pty.openpty()
    fin = open(stdin_path or os.devnull, "rb")
    try:
        p = subprocess.run([os.path.join(BIN, args[0])] + args[1:], stdin=s if tty_in else fin,
                           stdout=subprocess.PIPE if tty_in else s, stderr=subprocess.PIPE, timeout=30)
        return p.returncode, p.stderr.decode(errors="replace"), p.stdout if tty_in else b""
    except subprocess.TimeoutExpired:
        return None, "timed out: it waited on the terminal", b""
    finally:
        fin.close()
        os.close(m)
        os.close(s)


try:
    for fd in os.openpty():
        os.close(fd)
except OSError as e:        # no /dev/pts here: nothing can be checked
    print("SKIP: terminals: no pseudo terminal (%s)" % e)
    sys.exit(0)

IN = "stdin is a terminal: give a stream file, or pipe one in (dc-stft mix.wav | ...)"
# dc-oracle reads a stream from stdin only: its operands are the references
IN_ORACLE = "stdin is a terminal: pipe a stream in (dc-stft mix.wav | dc-oracle s1.wav s2.wav)"
STREAM = "stdout is a terminal: redirect it to a file or pipe it (dc-dump shows a stream)"

with tempfile.TemporaryDirectory() as d:
    os.chdir(d)
    stft = os.path.join(d, "mix.dcs")
    with open(stft, "wb") as f:
        subprocess.run([os.path.join(BIN, "dc-stft"), MIX], stdout=f, check=True)

    # stdin a terminal, where a stream is read
    for args in (["dc-embed"], ["dc-kmeans"], ["dc-mask"], ["dc-istft", "-o", "x.wav"],
                 ["dc-dump"], ["dc-plot", "-o", "x.png"], ["dc-oracle", S1, S2],
                 ["dc-train", "-o", "x.dcm"]):
        rc, err, out = run(args, True)
        name = " ".join(a if not a.startswith("/") else os.path.basename(a) for a in args)
        want = "%s: %s\n" % (args[0], IN if args[0] != "dc-oracle" else IN_ORACLE)
        check("%s, stdin a terminal: exit 2, one line" % name, rc == 2 and err == want,
              "exit %s, stderr %r" % (rc, err))
        check("%s, stdin a terminal: nothing on stdout" % name, out == b"", repr(out[:40]))
    check("nothing made", sorted(os.listdir(d)) == ["mix.dcs"], str(os.listdir(d)))
    # dc-dump -M reads a model there
    for args in (["dc-dump", "-M"], ["dc-dump", "-M", "-"]):
        rc, err, out = run(args, True)
        want = "dc-dump: stdin is a terminal: give a model file, or pipe one in\n"
        check("%s, stdin a terminal: exit 2, one line" % " ".join(args), rc == 2 and err == want,
              "exit %s, stderr %r" % (rc, err))

    # stdin a terminal, where audio is read
    for args in (["dc-stft"], ["dc-stft", "-"], ["dc-eval", "-r", S1, "-r", S2, "-", S2],
                 ["dc-mix", "-o", os.path.join(d, "m.wav"), S1, "-"]):
        rc, err, _ = run(args, True)
        name = " ".join(a if not a.startswith("/") else os.path.basename(a) for a in args)
        want = "%s: stdin is a terminal: give an audio file, or pipe one in\n" % args[0]
        check("%s, stdin a terminal: exit 2, one line" % name, rc == 2 and err == want,
              "exit %s, stderr %r" % (rc, err))

    # stdout a terminal, where a stream, WAV or .npy would go
    for args, src, what in ((["dc-stft", MIX], None, STREAM),
                            (["dc-embed"], stft, STREAM),
                            (["dc-oracle", S1, S2], stft, STREAM),
                            (["dc-istft"], stft, "stdout is a terminal: redirect it to a file or pipe it "
                             "(it would be WAV audio)"),
                            (["dc-dump", "-x", "stft", "-o", "-"], stft, "stdout is a terminal: redirect "
                             "it to a file or pipe it (it would be a .npy file)")):
        rc, err, _ = run(args, False, src)
        name = " ".join(a if not a.startswith("/") else os.path.basename(a) for a in args)
        check("%s, stdout a terminal: exit 2, one line" % name, rc == 2 and err == "%s: %s\n" % (args[0], what),
              "exit %s, stderr %r" % (rc, err))

    # dc-embed's progress: 80 s of audio in blocks of 10 s take more than the
    # second before the line shows (at 0.02 to 0.06 of real time)
    import numpy as np, soundfile as sf
    x, r = sf.read(MIX, dtype="float32")
    sf.write("long.wav", np.tile(x, int(80 * r / len(x)) + 1), r, subtype="FLOAT")
    with open("long.dcs", "wb") as f:
        subprocess.run([os.path.join(BIN, "dc-stft"), "long.wav"], stdout=f, check=True)
    rc, out = run_err_tty(["dc-embed"], "long.dcs")
    lines = out.split(b"\r")
    prog = [l for l in lines if l.startswith(b"dc-embed: 1 utterance, ")]
    check("dc-embed, stderr a terminal: exit 0", rc == 0, "exit %s" % rc)
    check("dc-embed: progress lines, rewritten in place",
          len(prog) >= 2 and all(l.endswith(b" real time)\x1b[K") and b" of audio embedded (" in l for l in prog),
          repr(out[:300]))
    check("dc-embed: the progress counts the audio up",
          prog and prog[-1].split(b", ")[1] > prog[0].split(b", ")[1], repr(prog[:1] + prog[-1:]))
    check("dc-embed: the line wiped at the end, nothing else", out.endswith(b"\r\x1b[K") and
          b"\n" not in out, repr(out[-80:]))
    p = subprocess.run([os.path.join(BIN, "dc-embed"), "long.dcs"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    check("dc-embed, stderr no terminal: no progress", p.returncode == 0 and p.stderr == b"", repr(p.stderr[:80]))
    # dc-eval -l: the same line, the rows counted
    with open("list.tsv", "w") as f:
        for i in range(40):
            f.write("m%02d\t%s\t%s,%s\t%s,%s\n" % (i, MIX, S1, S2, S2, S1))
    rc, out = run_err_tty(["dc-eval", "-t", "-l", "list.tsv"], os.devnull)
    prog = [l for l in out.split(b"\r") if l not in (b"", b"\x1b[K")]
    check("dc-eval -l, stderr a terminal: rows counted in place, wiped at the end",
          rc == 0 and len(prog) >= 2 and all(l.startswith(b"dc-eval: ") and b"/40 m" in l and
                                             l.endswith(b"\x1b[K") for l in prog) and
          out.endswith(b"\r\x1b[K") and b"\n" not in out, "exit %s, %r" % (rc, out[-120:]))
    with open("long.dcs", "rb") as f:
        data = f.read()
    with open("cut.dcs", "wb") as f:
        f.write(data[:len(data) - 1000])
    rc, out = run_err_tty(["dc-embed"], "cut.dcs")
    msg = out.split(b"\r\x1b[K")[-1]
    check("dc-embed: an error after the progress: exit 1, its line on a clean line",
          rc == 1 and msg.startswith(b"dc-embed: stdin: stream truncated inside a record") and
          msg.count(b"\n") == 1 and msg.endswith(b"\n") and len(out.split(b"\r\x1b[K")) >= 2,
          "exit %s, %r" % (rc, out[-200:]))
    # a reader gone away (SIGPIPE, quiet) after the line showed: the line wiped
    m, sl = pty.openpty()
    with open("long.dcs", "rb") as fin:
        p = subprocess.Popen([os.path.join(BIN, "dc-embed")], stdin=fin, stdout=subprocess.PIPE, stderr=sl)
    os.close(sl)
    # the reader: reads (a full pipe would hold dc-embed before its line) until
    # the line has shown, then goes away
    import threading
    shown = threading.Event()

    def reader():
        while not shown.is_set() and p.stdout.read1(65536):
            pass
        p.stdout.close()
    th = threading.Thread(target=reader)
    th.start()
    out = b""
    while b"dc-embed: 1 utterance, " not in out:
        try:
            d = os.read(m, 65536)
        except OSError:
            d = b""
        if not d:
            break
        out += d
    shown.set()
    th.join()
    while True:
        try:
            d = os.read(m, 65536)
        except OSError:
            break
        if not d:
            break
        out += d
    os.close(m)
    rc = p.wait(timeout=60)
    check("dc-embed: its reader gone after the progress showed: killed by SIGPIPE, the line wiped, "
          "nothing else", rc == -13 and b"dc-embed: 1 utterance, " in out and out.endswith(b"\r\x1b[K") and
          b"\n" not in out, "exit %s, %r" % (rc, out[-120:]))
    # any message on a terminal starts on a clean line: a stage before it in the
    # pipeline may have left its progress line there
    with open("empty.dcs", "wb"):
        pass
    rc, out = run_err_tty(["dc-mask"], "empty.dcs")
    check("dc-mask: a message on a terminal wipes the line first", rc == 1 and
          out == b"\r\x1b[Kdc-mask: stdin: empty stream\r\n", "exit %s, %r" % (rc, out))
    os.chdir(ROOT)
sys.exit(1 if failed else 0)

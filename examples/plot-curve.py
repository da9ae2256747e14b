#!/usr/bin/python3
"""examples/plot-curve.py: the learning curve of dc-train runs as a PNG.

usage: plot-curve.py [-o curve.png] [--chain] [--title TITLE] [--log] LOG ...

Each LOG is one run (or one stage of a curriculum), given either as the TSV log of
dc-train -l or as what dc-train wrote on stderr (2>run.log): its epoch lines hold
the same losses, and its progress lines (dc-train -p, when stderr is not a
terminal) the mean loss of the steps between two lines. The figure shows the
training and validation loss of each epoch; if any LOG has progress lines, a
second panel shows the loss against the step, with those lines' recent losses.

--chain puts the runs one after the other (the stages of a curriculum, each of
which counts epochs and steps from 0 again, e.g. stage1.tsv stage2.tsv); without
it they share the axes, to be compared. A log that a resumed run appended to may
hold an epoch twice (killed after the row was written, before the checkpoint):
the last row of an epoch counts. Needs matplotlib (Agg backend).
"""
import argparse
import math
import os
import re
import sys

# dc-train's lines, or dc-train-mpi's
EPOCH_RE = re.compile(r"dc-train(?:-mpi)?: epoch (\d+) step (\d+) train loss (\S+) valid loss (\S+) ")
PROG_RE = re.compile(r"dc-train(?:-mpi)?: epoch (\d+) batch \d+/\d+ step (\d+) loss (\S+) recent (\S+) ")


def num(s):
    try:
        return float(s)
    except ValueError:
        return math.nan


def read_log(path):
    """(epochs, steps): epochs maps epoch -> (step, train, valid), the last row of
    each epoch; steps is a list of (step, recent loss) from progress lines."""
    epochs, steps = {}, []
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().replace("\r", "\n").splitlines()
    if lines and lines[0].startswith("epoch\tstep\t"):
        head = lines[0].split("\t")
        col = {k: i for i, k in enumerate(head)}
        for line in lines[1:]:
            r = line.split("\t")
            if len(r) < len(head) or r[0] == "epoch":
                continue
            epochs[int(r[col["epoch"]])] = (int(r[col["step"]]), num(r[col["train_loss"]]),
                                            num(r[col["valid_loss"]]))
    else:
        for line in lines:
            m = EPOCH_RE.match(line)
            if m:
                epochs[int(m.group(1))] = (int(m.group(2)), num(m.group(3)), num(m.group(4)))
                continue
            m = PROG_RE.match(line)
            if m:
                steps.append((int(m.group(2)), num(m.group(4))))
    if not epochs and not steps:
        raise ValueError("no rows of a dc-train log (-l) and no dc-train lines of stderr")
    return epochs, sorted(set(steps))


def main():
    ap = argparse.ArgumentParser(description="The learning curve of dc-train logs as a PNG.")
    ap.add_argument("logs", nargs="+", metavar="LOG", help="a TSV log of dc-train -l, or its stderr")
    ap.add_argument("-o", "--output", default="curve.png", help="the PNG to write (curve.png)")
    ap.add_argument("--chain", action="store_true", help="runs one after the other (curriculum stages)")
    ap.add_argument("--title", default=None, help="the figure's title")
    ap.add_argument("--log", action="store_true", help="a logarithmic loss axis")
    a = ap.parse_args()
    # matplotlib after the arguments, so that -h works without it
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = []
    for p in a.logs:
        try:
            runs.append((os.path.basename(p), *read_log(p)))
        except (OSError, ValueError) as e:
            sys.exit("plot-curve.py: %s: %s" % (p, e))
    with_steps = any(st for _, _, st in runs)
    fig, axes = plt.subplots(1, 2 if with_steps else 1, figsize=(12 if with_steps else 7, 4.5), squeeze=False)
    ax_e = axes[0][0]
    ax_s = axes[0][1] if with_steps else None
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    e_off = s_off = 0
    for i, (name, ep, st) in enumerate(runs):
        c = colours[i % len(colours)]
        es = sorted(ep)
        x = [e + e_off for e in es]
        tr = [ep[e][1] for e in es]
        va = [ep[e][2] for e in es]
        sx = [ep[e][0] + s_off for e in es]
        ax_e.plot(x, tr, "-o", color=c, ms=3, label="%s: training" % name)
        if any(not math.isnan(v) for v in va):
            ax_e.plot(x, va, "--s", color=c, ms=3, label="%s: validation" % name)
        if ax_s is not None:
            if st:
                ax_s.plot([s + s_off for s, _ in st], [l for _, l in st], "-", color=c, lw=0.8, alpha=0.6,
                          label="%s: training, recent steps" % name)
            ax_s.plot(sx, tr, "o", color=c, ms=3, label="%s: training, epoch mean" % name)
            if any(not math.isnan(v) for v in va):
                ax_s.plot(sx, va, "--s", color=c, ms=3, label="%s: validation" % name)
        if a.chain:
            if i > 0:
                ax_e.axvline(e_off + 0.5, color="0.6", ls=":", lw=1)
                if ax_s is not None:
                    ax_s.axvline(s_off, color="0.6", ls=":", lw=1)
            e_off += max(es) if es else 0
            s_off = max([s_off] + sx + [s + s_off for s, _ in st])
    ax_e.set_xlabel("epoch" + (" (stages one after the other)" if a.chain and len(runs) > 1 else ""))
    ax_e.set_ylabel("loss (deep clustering, normalised)")
    ax_e.set_title("per epoch")
    if ax_s is not None:
        ax_s.set_xlabel("step")
        ax_s.set_title("per step")
    for ax in axes[0]:
        if a.log:
            ax.set_yscale("log")
        ax.grid(True, color="0.9")
        ax.legend(fontsize=7)
        if not a.log:
            ax.set_ylim(bottom=0)
    ax_e.xaxis.get_major_locator().set_params(integer=True)
    if a.title:
        fig.suptitle(a.title)
    fig.tight_layout()
    fig.savefig(a.output, dpi=110)
    print("plot-curve.py: wrote %s" % a.output, file=sys.stderr)


if __name__ == "__main__":
    main()

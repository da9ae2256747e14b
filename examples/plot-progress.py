#!/usr/bin/python3
"""examples/plot-progress.py: how far the shipped models are from issue 17's targets.

usage: plot-progress.py [-o progress.png] [-w WIDENED_TSV] [CAMPAIGN_TSV]

Left: the held-out SDRi (seed 2016, 200 + 200 mixtures of validation speakers,
the best of the clustering settings measured for each) of every model shipped
so far, against the training frames behind it (9.5 hours of 2 CPU threads to stage
5, 6 hours of mostly 1 for stage 6, 9 minutes of a GPU for stage 7), with the targets (10.5 and 7.5 dB)
and the oracle binary mask at 2 speakers. The figures are those of models/README.md
and README.md, measured by examples/tune-kmeans.sh or examples/eval-model.sh when
each model shipped. Right: the validation SDRi (seed 7) of each round of the
training campaign: the round's model and the one kept, from models/campaign.tsv
(every round so far, on whichever machine, as models/README.md's table lists
them) or from examples/campaign.sh's own campaign.tsv (/var/tmp/dcsep/campaign.tsv,
this machine's rounds only). Rounds whose figures came from dc-embed -P bf16 (a
column "precision", bf16) are marked: they read a little lower than the fp32 ones
(stage 7: 8.29 / 6.39 against 8.34 / 6.47). Third: the one long run of the
widened 4x450 network (examples/campaign.sh -C, models/README.md), from
models/widened.tsv: after each round, the best model so far on the same fixed
validation mixtures (seed 7, 100 + 100, and seed 8, 200 + 200, weighed by their
mixtures: 300 of each speaker count), against stage 7 (the shipped model) on
them, and the run's validation loss; its column "run" (1 where empty) tells the
run on the first machine from the one begun again on the next (hollow markers).
"""
import os
import argparse
import csv


# model, cumulative millions of training frames (models/README.md: stages 1-5 and the
# campaign of stage 6 on the CPU, stage 7 on a GPU), held-out SDRi at 2 / 3 speakers
SHIPPED = [
    ("2x300, stage 2", 32.3, 7.10, 5.08),
    ("4x300, stage 3", 59.7, 7.42, 5.06),
    ("stage 4, epoch 1", 70.7, 8.22, 5.56),
    ("stage 4, epoch 2", 81.8, 8.36, 5.56),
    ("stage 5", 104.0, 8.78, 5.78),
    ("stage 6 (campaign)", 131.2, 9.02, 6.10),
    ("stage 7 (GPU)", 401.2, 9.16, 6.36),
]
ORACLE_IBM_2 = 14.65
# stage 7 on the fixed validation mixtures: seed 7 (100 + 100), seed 8 (200 + 200)
STAGE7_FIXED = {"s7_2": 8.34, "s7_3": 6.47, "s8_2": 9.25, "s8_3": 6.27}


def fixed(row, k):
    """SDRi at k speakers over both fixed sets, weighed by their mixtures"""
    return (100 * float(row["s7_" + k]) + 200 * float(row["s8_" + k])) / 300


def widened_panel(w, path):
    try:
        rows = list(csv.DictReader(open(path), delimiter="\t"))
    except OSError:
        rows = []
    if rows:
        # run 1: the run on the first machine; run 2: begun again on the next one
        # (a machine's /var/tmp goes with it), hollow markers
        runs = sorted({r.get("run") or "1" for r in rows})
        v = w.twinx()
        for run in runs:
            rr = [r for r in rows if (r.get("run") or "1") == run]
            x = [int(r["steps"]) / 1000 for r in rr]
            face = {} if run == "1" else {"markerfacecolor": "none"}
            what = "" if run == "1" else ", begun again"
            for k, c, m in (("2", "C0", "o-"), ("3", "C1", "s-")):
                w.plot(x, [fixed(r, k) for r in rr], m, color=c, label="best so far, %s speakers%s" % (k, what),
                       **face)
            v.plot(x, [float(r["valid_loss"]) if r["valid_loss"] else float("nan") for r in rr], "^:",
                   color="gray", label="validation loss (right)%s" % what, **face)
        for k, c in (("2", "C0"), ("3", "C1")):
            w.axhline(fixed(STAGE7_FIXED, k), color=c, ls="--", lw=1,
                      label="stage 7 (shipped), %s speakers" % k)
        v.set_ylabel("validation loss", fontsize=8, color="gray")
        v.tick_params(labelsize=7, colors="gray")
        h1, l1 = w.get_legend_handles_labels()
        h2, l2 = v.get_legend_handles_labels()
        w.legend(h1 + h2, l1 + l2, fontsize=6.5, loc="center right")
    w.set_xlabel("thousands of steps of 8 segments of 400 frames")
    w.set_ylabel("validation SDRi, seeds 7 and 8 (dB)")
    w.set_title("4\u00d7450, one long run (CPU), fixed mixtures", fontsize=10)
    w.grid(alpha=0.3)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-o", default="progress.png")
    ap.add_argument("-w", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               "..", "models", "widened.tsv"))
    ap.add_argument("campaign", nargs="?", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                 "..", "models", "campaign.tsv"))
    a = ap.parse_args()
    # matplotlib after the arguments, so that -h works without it
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    fig, (l, r, w) = plt.subplots(1, 3, figsize=(16, 4), gridspec_kw={"width_ratios": [3, 2, 2]})
    h = [m[1] for m in SHIPPED]
    l.plot(h, [m[2] for m in SHIPPED], "o-", color="C0", label="2 speakers")
    l.plot(h, [m[3] for m in SHIPPED], "s-", color="C1", label="3 speakers")
    l.axhline(10.5, color="C0", ls="--", lw=1, label="target, 2 speakers (10.5)")
    l.axhline(7.5, color="C1", ls="--", lw=1, label="target, 3 speakers (7.5)")
    l.axhline(ORACLE_IBM_2, color="gray", ls=":", lw=1, label="oracle binary mask, 2 speakers")
    for i, (name, x, y2, _) in enumerate(SHIPPED):    # above and below in turn
        l.annotate(name, (x, y2), textcoords="offset points", xytext=(0, 7 if i % 2 else -14),
                   fontsize=7, ha="center" if i < len(SHIPPED) - 1 else "right")
    l.set_xlabel("millions of training frames behind the model")
    l.set_ylabel("held-out SDRi (dB)")
    l.set_title("shipped models, held out (seed 2016)", fontsize=10)
    l.legend(fontsize=7, loc="center left", bbox_to_anchor=(0.0, 0.66))
    l.grid(alpha=0.3)
    try:
        rows = list(csv.DictReader(open(a.campaign), delimiter="\t"))
    except OSError:
        rows = []
    if rows:
        n = [int(x["round"]) for x in rows]
        for k, c in (("2", "C0"), ("3", "C1")):
            r.plot(n, [float(x["round_" + k]) for x in rows], "o:", color=c, alpha=0.6,
                   label="round's model, %s speakers" % k)
            r.plot(n, [float(x["best_" + k]) for x in rows], "-", color=c, label="kept, %s speakers" % k)
        bf = [x for x, row in zip(n, rows) if row.get("precision") == "bf16"]
        if bf:
            r.axvline(bf[0] - 0.5, color="gray", ls=":", lw=1)
            r.annotate("figures in bf16 from here \u2192", (bf[0] - 0.6, r.get_ylim()[0]), fontsize=7,
                       ha="right", textcoords="offset points", xytext=(0, 4))
        # whole rounds, as many labelled as fit however many rounds there are
        r.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=16))
    r.set_xlabel("campaign round")
    r.set_ylabel("validation SDRi (dB)")
    r.set_title("training campaign, validation (seed 7)", fontsize=10)
    r.legend(fontsize=7)
    r.grid(alpha=0.3)
    widened_panel(w, a.w)
    fig.tight_layout()
    fig.savefig(a.o, dpi=100)
    print("plot-progress.py: wrote %s" % a.o)


if __name__ == "__main__":
    main()

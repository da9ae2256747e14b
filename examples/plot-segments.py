#!/usr/bin/python3
"""examples/plot-segments.py: SDR over time, from dc-eval -w -j, as a PNG.

usage: dc-eval -j -w SECONDS ... | plot-segments.py [-o segments.png] [-m METRIC] [--title T] [JSON ...]

Reads the JSON lines of dc-eval -j -w (from the files named, or standard input) and
draws, for each mixture that has segments (one panel each, the first 8), the figure
METRIC of every reference source per segment against time (a step per segment), with
the whole file's figure as a dashed line. Segments where BSS Eval matched the
estimates to the references otherwise than over the whole file (the estimates swap
speakers there) are shaded and marked "swap"; segments without figures (a silent
source) are left blank. METRIC is one of sdr (default), si_sdr, sdri, si_sdri, sir,
sar. Needs matplotlib (Agg backend). Exit status 1 if no object has segments.
"""
import argparse
import json
import math
import sys


METRICS = ("sdr", "si_sdr", "sdri", "si_sdri", "sir", "sar")
NAMES = {"sdr": "SDR", "si_sdr": "SI-SDR", "sdri": "SDRi", "si_sdri": "SI-SDRi", "sir": "SIR", "sar": "SAR"}


def num(v):
    """A JSON value as a float: null is NaN (1e999 is read as infinity already)."""
    return math.nan if v is None else float(v)


def read_objects(files):
    """The mixtures' objects that have segments, in order."""
    out = []
    for f in files:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                o = json.loads(line)
            except ValueError as e:
                raise ValueError("%s:%d: not a JSON line of dc-eval -j: %s" % (f.name, n, e))
            if isinstance(o, dict) and o.get("segments"):
                out.append(o)
    return out


def swaps(o):
    """The indices of the segments whose permutation differs from the file's."""
    return [i for i, s in enumerate(o["segments"]) if s.get("perm") is not None and s["perm"] != o.get("perm")]


def main():
    ap = argparse.ArgumentParser(description="Per-segment figures of dc-eval -j -w as a PNG.")
    ap.add_argument("json", nargs="*", metavar="JSON", help="dc-eval -j -w output (default: standard input)")
    ap.add_argument("-o", "--output", default="segments.png", help="the PNG to write (segments.png)")
    ap.add_argument("-m", "--metric", default="sdr", choices=METRICS, help="the figure to plot (sdr)")
    ap.add_argument("--title", default=None, help="the figure's title")
    a = ap.parse_args()
    # matplotlib after the arguments, so that -h works without it
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    try:
        files = [open(p, encoding="utf-8") for p in a.json] or [sys.stdin]
        objs = read_objects(files)
    except (OSError, ValueError) as e:
        sys.exit("plot-segments.py: %s" % e)
    if not objs:
        sys.exit("plot-segments.py: no mixture with segments: run dc-eval with -j and -w")
    objs = objs[:8]
    fig, axes = plt.subplots(len(objs), 1, figsize=(10, 2.6 * len(objs) + 0.6), squeeze=False)
    for ax, o in zip(axes[:, 0], objs):
        rate, segs, key = o["rate"], o["segments"], a.metric
        if key not in segs[0]:
            sys.exit("plot-segments.py: %s: no %s (the improvements need dc-eval -m)" % (o["id"], key))
        edges = [s["start"] / rate for s in segs] + [(segs[-1]["start"] + segs[-1]["samples"]) / rate]
        for i in swaps(o):
            ax.axvspan(edges[i], edges[i + 1], color="#f4c7c3", lw=0)
            ax.text((edges[i] + edges[i + 1]) / 2, 1.0, "swap", transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=7, color="#a33")
        for r in range(o["sources"]):
            y = [num(s[key][r]) for s in segs]
            line = ax.stairs(y, edges, baseline=None, lw=1.5, label="source %d" % (r + 1))
            whole = num(o[key][r])
            if not math.isnan(whole):
                ax.axhline(whole, color=line.get_edgecolor(), ls="--", lw=0.8)
        ax.set_xlim(edges[0], edges[-1])
        ax.set_ylabel("%s (dB)" % NAMES[key])
        ax.set_title("%s: %s per %.3g s segment (dashed: whole file)" % (o["id"], NAMES[key], o["window"] / rate),
                     fontsize=9, loc="left")
        ax.grid(True, color="0.9")
        ax.legend(fontsize=7, loc="lower right")
    axes[-1, 0].set_xlabel("time (s)")
    if a.title:
        fig.suptitle(a.title)
    fig.tight_layout()
    fig.savefig(a.output, dpi=110)
    print("plot-segments.py: wrote %s" % a.output, file=sys.stderr)


if __name__ == "__main__":
    main()

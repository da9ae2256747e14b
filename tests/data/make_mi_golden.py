#!/usr/bin/python3
"""make_mi_golden.py: writes mi_golden_small.msgpack, the PyTorch reference of the
mask-inference loss (libcommon/mi.h) that tests/unit/test_mi_golden.c checks.

Run from tests/data with Debian's python3 and python3-torch: ./make_mi_golden.py
Two cases, C = 2 and C = 3 sources, T = 8 frames, F = 129 bins, seed 2018: random
complex sources S (C,T,F) and their sum X, logits z (C,T,F), weights w (T,F) of 0 and
1. Written per case (prefix c2. or c3.): X, S (complex64 as (..., 2) float32), z, w,
and from torch: mag = |X|, A = clamp(|S| cos(angle S - angle X), 0, |X|) (gamma 1),
loss = min over permutations p of sum_c sum w |softmax(z)[p(c)] mag - A[c]|, perm
(the winning p, first of ties in itertools order), grad_z by autograd, all float64
computations rounded to float32 at the end. The file is one map from name to
{shape, dtype, data}, as ../../shared/reference's golden files.
"""
import itertools

import msgpack
import numpy as np
import torch

torch.manual_seed(2018)
T, F = 8, 129
out = {}


def put(name, a):
    a = np.ascontiguousarray(a)
    out[name] = {"shape": list(a.shape), "dtype": str(a.dtype), "data": a.tobytes()}


for C in (2, 3):
    S = torch.complex(torch.randn(C, T, F, dtype=torch.float64), torch.randn(C, T, F, dtype=torch.float64))
    S = S * torch.rand(C, 1, F, dtype=torch.float64) * 3      # uneven levels per source and bin
    X = S.sum(0)
    z = (2 * torch.randn(C, T, F, dtype=torch.float64)).float().double().requires_grad_()
    w = (torch.rand(T, F, dtype=torch.float64) > 0.2).double()
    S32, X32 = S.to(torch.complex64), X.to(torch.complex64)
    S, X = S32.to(torch.complex128), X32.to(torch.complex128)   # the float32 inputs, exactly
    mag = X.abs()
    A = torch.clamp(S.abs() * torch.cos(S.angle() - X.angle()), min=0)
    A = torch.minimum(A, mag.expand_as(A))
    M = torch.softmax(z, dim=0)
    losses = []
    for p in itertools.permutations(range(C)):
        losses.append(sum((w * (M[p[c]] * mag - A[c]).abs()).sum() for c in range(C)))
    best = min(range(len(losses)), key=lambda i: (losses[i].item(), i))
    loss = losses[best]
    loss.backward()
    pre = "c%d." % C
    put(pre + "X", torch.view_as_real(X32).numpy().astype(np.float32))
    put(pre + "S", torch.view_as_real(S32).numpy().astype(np.float32))
    put(pre + "z", z.detach().numpy().astype(np.float32))
    put(pre + "w", w.numpy().astype(np.float32))
    put(pre + "mag", mag.numpy().astype(np.float32))
    put(pre + "A", A.numpy().astype(np.float32))
    put(pre + "loss", np.array([loss.item()], np.float64))
    put(pre + "perm", np.array(list(itertools.permutations(range(C)))[best], np.int32))
    put(pre + "grad_z", z.grad.numpy().astype(np.float32))
    # every permutation's loss, to tell a near tie from a wrong choice
    put(pre + "losses", np.array([l.item() for l in losses], np.float64))

with open("mi_golden_small.msgpack", "wb") as f:
    f.write(msgpack.packb(out, use_bin_type=True))
print("mi_golden_small.msgpack:", ", ".join("%s %s" % (k, v["shape"]) for k, v in out.items()))

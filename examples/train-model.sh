#!/bin/sh
# examples/train-model.sh [DATADIR] [CORPUS]: the recipe of the shipped model,
# models/default.dcm (4 BLSTM layers of 300 units, D = 40, float16 weights).
#
# 1. examples/make-train-data.sh: 10,000 mixtures of 2 and 2,500 of 3 training
#    speakers (examples/speakers-train.txt) in five draws with other seeds (the third,
#    fourth and fifth speed-perturbed, with 5,000 of 3), 300 of 2 held-out validation
#    speakers, cached as streams with oracle labels (about 62 GB in DATADIR, default
#    /work/train).
# 2. Stage 1: the first draw, 100-frame segments, batches of 32, Adam at 1e-3,
#    gradient norm clipped at 5.
# 3. Stage 2: from stage 1's weights, on the second draw (new mixtures of the same
#    speakers against overfitting), 400-frame segments, batches of 8, Adam at 5e-4.
# 4. Stage 3: stage 2's model grown to 4 layers (dc-train -I -L 4: its 2 layers
#    kept, 2 layers and the output layer fresh), dropout 0.2, on the third,
#    speed-perturbed draw, 100-frame segments, batches of 32, Adam at 1e-3 until step
#    4590 (where the shipped model's run was resumed with a decay), then a rate
#    0.8 times the last each epoch (dc-train -r -f 0.8), 3 epochs. The 2x300 model of
#    stage 2, stage 3's after 2 epochs and stage 4's after 1 shipped before.
# 5. Stage 4: stage 3's model after 3 epochs, on the fourth, speed-perturbed draw,
#    400-frame segments, batches of 8, dropout 0.2, Adam at 5e-4, 0.8 times the last
#    each epoch; exported with float16 weights to DATADIR/stage4-f16.dcm (the model
#    shipped until 2026-12-01).
# 6. Stage 5: stage 4's float16 model on the fifth, speed-perturbed draw, 400-frame
#    segments, batches of 8, dropout 0.1, Adam at 2e-4, 1 epoch; stage 5m: that model,
#    1 more epoch at 1e-4 with magnitude-ratio weights in the loss (-W mag); the mean
#    of the two models' weights (dc-train -x), exported with float16 weights to
#    DATADIR/stage5-f16.dcm (the model shipped until 2026-12-04).
# 7. Stage 6: five rounds of examples/campaign.sh from that model in DATADIR/campaign
#    (1,700 steps each on a fresh speed-perturbed draw cached on the disk, -c, as
#    those rounds were made; the round's model, its mean
#    with the best or the best kept by validation SDRi); DATADIR/campaign/best.dcm
#    was shipped next (models/README.md: rounds 1-5, chosen after round 5).
# 8. Stage 7, with GPU=1, on a machine with a CUDA GPU and PyTorch's python3 (the
#    corpus packed first where it is: examples/gpu-train.py pack -r 17 -o DATADIR/pack,
#    and DATADIR/pack and stage 6's model carried there): examples/gpu-train.py
#    trains 3,516 steps of 192 segments of 400 frames from stage 6's model with a
#    fresh mask-inference head (the shipped run: -m 8.7 on an NVIDIA H200, which
#    made 3,516 steps), then dc-train -x -M 0 drops the head and averages the weights
#    with stage 6's: DATADIR/stage7.dcm, the shipped model.
# Each stage writes its checkpoint after every epoch (and every -c minutes) and
# resumes from it when run again, so the recipe can be stopped and restarted at any
# time. EPOCHS1, EPOCHS2, EPOCHS3, EPOCHS4, EPOCHS5 (default 2, 2, 3, 2, 1: the
# shipped model; a third epoch of stage 2 overfitted; 0 stops before the stage),
# ROUNDS (default 5; 0 stops before stage 6) and THREADS (default 2) set the epochs
# of each stage, the campaign's rounds and the threads; GPU=1 runs stage 7.
set -eu
caller=$PWD
cd "$(dirname "$0")/.."
. examples/lib.sh
[ "${1-}" != -h ] || help_text examples/train-model.sh
data=/work/train
[ $# -lt 1 ] || caller_path data "$1"
[ $# -lt 1 ] || shift
corpus_arg "$@"
root=$(pwd)
examples/make-train-data.sh "$data" "$corpus"
attr="trained on speechocean762 (Zhang et al. 2021; free for commercial and non-commercial use) and LibriSpeech train-clean-100 (Panayotov et al., ICASSP 2015; CC BY 4.0) speakers of examples/speakers-train.txt, via the dcsep corpus (../shared/corpus)"
run() {	# run STAGE NAME EPOCHS SETS OPTIONS...: resume the stage if it has a checkpoint,
	# with the options in $RESUME (those -r allows: -S, -f)
	stage=$1 name=$2 epochs=$3 sets=$4
	shift 4
	# shellcheck disable=SC2086
	if [ -f "$data/$stage.dcm" ]; then set -- -r ${RESUME:-}; fi
	# shellcheck disable=SC2086
	env -u OPENBLAS_CORETYPE "$root/bin/dc-train" "$@" -e "$epochs" -t "${THREADS:-2}" \
	    -V "$data/cv2.dcs" -l "$data/$stage.tsv" -n "$name" -m "attribution=$attr" \
	    -o "$data/$stage.dcm" $sets
}
run stage1 dcsep-2x300 "${EPOCHS1:-2}" "$data/tr2.dcs $data/tr3.dcs" -L 2 -H 300 -D 40 -T 100 -b 32 -a 0.001 -g 5 -s 1
run stage2 dcsep-2x300 "${EPOCHS2:-2}" "$data/tr2b.dcs $data/tr3b.dcs" -I "$data/stage1.dcm" -T 400 -b 8 -a 0.0005 -g 5 -s 2
echo "model: $data/stage2.dcm (the 2x300 model shipped before)"
[ "${EPOCHS3:-3}" -gt 0 ] || exit 0
s3="-I $data/stage2.dcm -L 4 -T 100 -b 32 -a 0.001 -d 0.2 -g 5 -s 4"
# shellcheck disable=SC2086
RESUME="-S 4590" run stage3 dcsep-4x300 "${EPOCHS3:-3}" "$data/tr2c.dcs $data/tr3c.dcs" $s3 -S 4590
# shellcheck disable=SC2086
RESUME="-f 0.8" run stage3 dcsep-4x300 "${EPOCHS3:-3}" "$data/tr2c.dcs $data/tr3c.dcs" $s3
[ "${EPOCHS4:-2}" -gt 0 ] || exit 0
# shellcheck disable=SC2086
run stage4 dcsep-4x300 "${EPOCHS4:-2}" "$data/tr2d.dcs $data/tr3d.dcs" -I "$data/stage3.dcm" -L 4 -T 400 -b 8 \
    -a 0.0005 -f 0.8 -d 0.2 -g 5 -s 5
"$root/bin/dc-train" -x "$data/stage4.dcm" -w f16 -o "$data/stage4-f16.dcm"
echo "model: $data/stage4-f16.dcm (the model shipped until 2026-12-01)"
[ "${EPOCHS5:-1}" -gt 0 ] || exit 0
run stage5 dcsep-4x300 "${EPOCHS5:-1}" "$data/tr2e.dcs $data/tr3e.dcs" -I "$data/stage4-f16.dcm" -L 4 \
    -T 400 -b 8 -a 0.0002 -d 0.1 -g 5 -s 6
run stage5m dcsep-4x300 "${EPOCHS5:-1}" "$data/tr2e.dcs $data/tr3e.dcs" -I "$data/stage5.dcm" -L 4 \
    -T 400 -b 8 -a 0.0001 -d 0.1 -g 5 -s 7 -W mag
"$root/bin/dc-train" -x "$data/stage5m.dcm" -w f16 -o "$data/stage5-f16.dcm" "$data/stage5.dcm"
echo "model: $data/stage5-f16.dcm (the model shipped until 2026-12-04)"
[ "${ROUNDS:-5}" -gt 0 ] || exit 0
examples/campaign.sh -c -d "$data/campaign" -i "$data/stage5-f16.dcm" -n "${ROUNDS:-5}" -S 1700 \
    -t "${THREADS:-2}" "$corpus"
echo "model: $data/campaign/best.dcm (the model shipped on 2026-12-04 before stage 7)"
[ "${GPU:-0}" = 1 ] || exit 0
[ -d "$data/pack" ] || /usr/bin/python3 examples/gpu-train.py pack -r 17 -o "$data/pack" -c "$corpus"
python3 examples/gpu-train.py train -d "$data/pack" -i "$data/campaign/best.dcm" -o "$data/gpu" \
    -N 3516 -b 192
cat "$data"/gpu/raw.dcm.* >"$data/gpu/raw.dcm"
"$root/bin/dc-train" -x "$data/gpu/raw.dcm" -M 0 -w f16 -o "$data/gpu/nohead.dcm"
"$root/bin/dc-train" -x "$data/gpu/nohead.dcm" -w f16 -n dcsep-4x300 -o "$data/stage7.dcm" \
    "$data/campaign/best.dcm"
echo "model: $data/stage7.dcm (models/default.dcm)"

#!/usr/bin/env bash
# One-off: full check of each kernel variant (FUSED_B1 x MIN_BLOCKS), then Nsight Compute on the
# unmodified kernel's first d = 1000, B = 1 launch.
cd "$(dirname "$0")"
export PATH="$PATH:/usr/local/cuda/bin:$(ls -d /opt/nvidia/nsight-compute/*/ 2>/dev/null | tail -n 1)"
gunzip -f var_*.gz; chmod +x var_*
w=/tmp/varout; mkdir -p $w
for b in var_f*; do
  echo "== $b $(date +%T)"
  timeout 60 ./$b > $w/$b.json 2> $w/$b.stderr; echo "exit $?"
  grep -E "FAIL|timing" $w/$b.stderr
done
echo "== ncu $(date +%T) $(command -v ncu)"
timeout 120 ncu --kernel-name regex:full_sgd_kernel --launch-count 1 --section SpeedOfLight --section Occupancy \
  --section WarpStateStats --section LaunchStats --section SchedulerStats ./var_f0_mb1 --timing-only > $w/ncu.txt 2>&1
echo "ncu exit $?"
grep -vE '^\s*$' $w/ncu.txt | grep -v '^==PROF==' | head -150
tar czf $OUT/variants.tgz -C $w .

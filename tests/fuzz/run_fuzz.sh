#!/usr/bin/env bash
# run_fuzz.sh TARGET SECONDS SEEDS REGRESSIONS
# SECONDS 0: replay (the target was built without libFuzzer): every seed and regression once.
# Otherwise fuzz for SECONDS from the seeds and regressions; new inputs go to a scratch corpus in
# the build tree (never into the repository), a failing input to fuzz-<target>-crash-* beside it.
set -euo pipefail
target=$1 seconds=$2 seeds=$3 regressions=$4
dirs=("$seeds")
[ -d "$regressions" ] && dirs+=("$regressions")
if [ "$seconds" = 0 ]; then
  exec "$target" "${dirs[@]}"
fi
work=$(dirname "$target")/fuzz-work/$(basename "$target")
export LSAN_OPTIONS="suppressions=$(dirname "$0")/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
mkdir -p "$work/corpus"
# -rss_limit_mb / -malloc_limit_mb: an allocation past 2 GiB is a finding (the memory checks
# must refuse such input first); -timeout: one input running 10 s is a hang. A fixed seed (FUZZ_SEED
# to change it) keeps the test's mutations the same from run to run: a bounded CI run should not
# fail one day and pass the next; campaigns (docs/reliability.md) search with fresh seeds.
exec "$target" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
  -use_value_profile=1 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "${dirs[@]}"

#!/usr/bin/env bash
# Crash-safe runs: a run directory is locked while a process trains in it; a write that fails (a
# full disk, here a file size limit) names the file and keeps the previous checkpoint; and a run
# killed with SIGKILL at random moments, resumed after every kill, ends with the same weights,
# metrics and summary as an uninterrupted run, bit for bit.
# Usage: crash_test.sh TANGLE_BINARY PYTHON
# CRASH_TRIALS=N sets the number of kills (default 20, about two minutes); CRASH_TRIALS=200 for a
# longer search.
set -u
tangle=$1
python=$2
trials=${CRASH_TRIALS:-20}
work=$(mktemp -d)
bg=
cleanup() {
  [ -n "$bg" ] && kill -9 "$bg" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
export TANGLE_PLOT_SCRIPT="$work/no-plots.py"  # plots are not what this tests

epochs=10
tiny=(--model hybrid --threads 1 --quiet --set model.qubits=2 --set model.layers=1 --batch 16
      --set 'preprocess=[{"op": "scale", "divisor": 16.0}, {"op": "flatten"}, {"op": "train_subset", "size": 160}]')

# --- The lock: a second training process into a directory in use is refused; eval may read it.
"$tangle" train "${tiny[@]}" --epochs 100000 --out "$work/busy" >/dev/null 2>&1 &
bg=$!
for _ in $(seq 600); do [ -s "$work/busy/best.pt" ] && break; sleep 0.1; done
[ -s "$work/busy/best.pt" ] || fail "the background run wrote no best.pt"
for args in "--resume $work/busy" "--model hybrid --out $work/busy"; do
  # shellcheck disable=SC2086
  "$tangle" train $args --quiet >"$work/out" 2>"$work/err"
  rc=$?
  [ $rc -eq 2 ] || fail "train $args into a busy run exited $rc, expected 2"
  [ "$(wc -l <"$work/err")" -eq 1 ] || fail "train $args printed $(wc -l <"$work/err") error lines, expected 1"
  grep -q "run directory $work/busy is in use by another tangle process (pid $bg); wait for it or train into another --out" \
    "$work/err" || fail "train $args into a busy run: '$(cat "$work/err")'"
done
"$tangle" eval "$work/busy" >"$work/out" 2>"$work/err" || fail "eval of a running run failed: $(cat "$work/err")"
kill -9 "$bg"
wait "$bg" 2>/dev/null
bg=
done_epochs=$(wc -l <"$work/busy/metrics.jsonl")
"$tangle" train --resume "$work/busy" --epochs $((done_epochs + 1)) --quiet >"$work/out" 2>&1 ||
  fail "resume after the locking process was killed: $(cat "$work/out")"

# --- A full disk: RLIMIT_FSIZE below the checkpoint's size makes its write fail with EFBIG.
"$tangle" train "${tiny[@]}" --epochs 2 --out "$work/full" >/dev/null 2>"$work/err" || fail "train: $(cat "$work/err")"
cp "$work/full/checkpoint.pt" "$work/checkpoint.before"
cp "$work/full/best.pt" "$work/best.before"
limit=$(($(stat -c %s "$work/full/checkpoint.pt") / 1024 / 2))
(
  trap '' XFSZ
  ulimit -f "$limit"
  exec "$tangle" train --resume "$work/full" --epochs 4 --quiet
) >"$work/out" 2>"$work/err"
rc=$?
[ $rc -ne 0 ] || fail "training past a file size limit of $limit KiB succeeded"
[ "$(wc -l <"$work/err")" -eq 1 ] || fail "a failed write printed $(wc -l <"$work/err") error lines: $(cat "$work/err")"
grep -Eq "cannot write $work/full/(checkpoint|best)\.pt: File too large" "$work/err" ||
  fail "a failed write's message: '$(cat "$work/err")'"
cmp -s "$work/full/checkpoint.pt" "$work/checkpoint.before" || fail "a failed write changed checkpoint.pt"
cmp -s "$work/full/best.pt" "$work/best.before" || fail "a failed write changed best.pt"
[ -z "$(find "$work/full" -name '*.tmp*')" ] || fail "a failed write left $(find "$work/full" -name '*.tmp*')"
"$tangle" train --resume "$work/full" --epochs 4 --quiet >"$work/out" 2>&1 || fail "resume after a full disk: $(cat "$work/out")"
[ "$(wc -l <"$work/full/metrics.jsonl")" -eq 4 ] || fail "metrics.jsonl after a full disk: $(cat "$work/full/metrics.jsonl")"

# --- Kill and resume: the reference run, uninterrupted, with epochs long enough for kills to land
# in the training, the evaluation and the writing of every file.
crash=(--model hybrid --threads 1 --quiet --set model.qubits=2 --set model.layers=1 --batch 16 --epochs $epochs
       --set 'preprocess=[{"op": "scale", "divisor": 16.0}, {"op": "flatten"}, {"op": "train_subset", "size": 960}]')
now_ms() { echo $(($(date +%s%N) / 1000000)); }
start=$(now_ms)
"$tangle" train "${crash[@]}" --out "$work/ref" >/dev/null 2>"$work/err" || fail "train: $(cat "$work/err")"
wall_ms=$(($(now_ms) - start))
start=$(now_ms)  # the start-up: a resume that stops once it has loaded the checkpoint
"$tangle" train --resume "$work/ref" --quiet >/dev/null 2>&1
startup_ms=$(($(now_ms) - start))
# Kills fall uniformly in [lo, wall_ms): from late in the start-up to the end of a whole run.
lo=$((startup_ms * 4 / 5))
[ $wall_ms -gt $((lo + 100)) ] || wall_ms=$((lo + 100))

# check_files DIR: after a kill, every file is whole: checkpoint.pt and best.pt are intact zip
# archives (their CRCs match), config.json and summary.json parse, and every metrics line parses
# but a last one without its newline.
check_files() {
  "$python" - "$1" <<'PY'
import json, os, sys, zipfile
d = sys.argv[1]
for name in ("checkpoint.pt", "best.pt"):
    p = os.path.join(d, name)
    if os.path.exists(p):
        with zipfile.ZipFile(p) as z:
            assert z.testzip() is None, name + ": a damaged member"
for name in ("config.json", "summary.json"):
    p = os.path.join(d, name)
    if os.path.exists(p):
        json.load(open(p))
p = os.path.join(d, "metrics.jsonl")
if os.path.exists(p):
    lines = open(p).read().split("\n")
    for line in lines[:-1]:
        json.loads(line)
PY
}

kills=0
cycles=0
at=  # the epochs in metrics.jsonl after each kill
t0=$(date +%s)
while [ $kills -lt "$trials" ]; do
  cycles=$((cycles + 1))
  run="$work/killed$cycles"
  while :; do
    if [ -e "$run/checkpoint.pt" ]; then
      "$tangle" train --resume "$run" --quiet >"$work/out" 2>&1 &
    else
      rm -rf "$run"  # killed before its first checkpoint: nothing to resume
      "$tangle" train "${crash[@]}" --out "$run" >"$work/out" 2>&1 &
    fi
    bg=$!
    delay_ms=$((RANDOM * 32768 + RANDOM))
    delay_ms=$((lo + delay_ms % (wall_ms - lo)))
    sleep "$((delay_ms / 1000)).$(printf %03d $((delay_ms % 1000)))"
    kill -9 "$bg" 2>/dev/null
    wait "$bg" 2>/dev/null
    rc=$?
    bg=
    if [ $rc -eq 137 ]; then  # killed
      kills=$((kills + 1))
      check_files "$run" || fail "after kill $kills (at $delay_ms ms) the files of $run are damaged"
      at="$at $([ -e "$run/metrics.jsonl" ] && wc -l <"$run/metrics.jsonl" || echo -)"
      [ $kills -lt "$trials" ] || break
      [ ! -e "$run/summary.json" ] || break  # killed after it finished
    elif [ $rc -eq 0 ]; then  # finished before the kill
      break
    else
      fail "a resumed run failed (exit $rc): $(cat "$work/out")"
      break 2
    fi
  done
  # Let the run finish, then compare it with the reference.
  if [ -e "$run/checkpoint.pt" ]; then
    if [ ! -e "$run/summary.json" ]; then
      "$tangle" train --resume "$run" --quiet >"$work/out" 2>&1 || fail "the last resume failed: $(cat "$work/out")"
    fi
  else
    rm -rf "$run"
    "$tangle" train "${crash[@]}" --out "$run" >"$work/out" 2>&1 || fail "train: $(cat "$work/out")"
  fi
  [ -z "$(find "$run" -name '*.tmp*')" ] || fail "temporary files left in $run: $(find "$run" -name '*.tmp*')"
  cmp -s "$run/best.pt" "$work/ref/best.pt" || fail "best.pt of the killed run $cycles differs from the reference"
  "$python" - "$run" "$work/ref" <<'PY' || fail "the killed run $cycles differs from the reference"
import json, sys
import torch
a, b = sys.argv[1], sys.argv[2]

def rows(d):
    out = []
    for line in open(d + "/metrics.jsonl"):
        r = json.loads(line)
        r.pop("seconds")
        out.append(r)
    return out

assert rows(a) == rows(b), (rows(a), rows(b))
sa, sb = json.load(open(a + "/summary.json")), json.load(open(b + "/summary.json"))
for s in (sa, sb):
    s.pop("train_seconds"), s.pop("wall_seconds")
assert sa == sb, (sa, sb)

def tensors(path):
    m = torch.jit.load(path)
    out = dict(m.named_parameters())
    out.update(dict(m.named_buffers()))
    return out

for name in ("checkpoint.pt", "best.pt"):
    ta, tb = tensors(a + "/" + name), tensors(b + "/" + name)
    assert ta.keys() == tb.keys() and ta, (name, sorted(ta), sorted(tb))
    for key in ta:
        x, y = ta[key], tb[key]
        if key == "sums":  # its last two entries are timings
            x, y = x[:4], y[:4]
        assert x.dtype == y.dtype and x.shape == y.shape and torch.equal(x, y), (name, key, x, y)
PY
done

# A last line torn by a kill: the report and the plotting script skip it, a resume drops it.
cp -r "$work/ref" "$work/torn"
printf '{"epoch": %d, "train_loss": 0.' $((epochs + 1)) >>"$work/torn/metrics.jsonl"
"$tangle" report "$work/torn" -o "$work/torn.html" >/dev/null 2>"$work/err" && [ ! -s "$work/err" ] ||
  fail "tangle report of a torn metrics.jsonl: $(cat "$work/err")"
"$python" "$(dirname "$0")/../../scripts/plot_run.py" "$work/torn" >"$work/out" 2>&1 ||
  fail "plot_run.py on a torn metrics.jsonl: $(cat "$work/out")"
"$tangle" train --resume "$work/torn" --epochs $((epochs + 1)) --quiet >"$work/out" 2>&1 ||
  fail "resume of a torn metrics.jsonl: $(cat "$work/out")"
"$python" -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; assert [x['epoch'] for x in r] == list(range(1, $epochs + 2)), r" \
  "$work/torn/metrics.jsonl" || fail "metrics.jsonl after resuming a torn one: $(cat "$work/torn/metrics.jsonl")"

# Killed after its last checkpoint, before its summary (none, or one from before --epochs grew):
# the resume writes the summary.
cp "$work/ref/summary.json" "$work/torn/summary.json"
"$tangle" train --resume "$work/torn" --epochs $((epochs + 1)) --quiet >"$work/out" 2>&1 ||
  fail "resume with the summary of fewer epochs: $(cat "$work/out")"
rm "$work/torn/summary.json"
"$tangle" train --resume "$work/torn" --epochs $((epochs + 1)) --quiet >"$work/out" 2>&1 ||
  fail "resume without a summary: $(cat "$work/out")"
"$python" -c "import json,sys; assert json.load(open(sys.argv[1]))['epochs'] == $epochs + 1" "$work/torn/summary.json" ||
  fail "the summary after a finishing resume: $(cat "$work/torn/summary.json")"

echo "crash test: $kills kills over $cycles interrupted runs in $(($(date +%s) - t0)) s, kills at $lo..$wall_ms ms"
echo "epochs logged after each kill:$at"

[ $failures -eq 0 ] || { echo "$failures failures"; exit 1; }
echo "crash tests passed"

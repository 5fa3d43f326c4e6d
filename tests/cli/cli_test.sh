#!/usr/bin/env bash
# The tangle CLI end to end: clear errors with exit code 2, no overwritten runs, Ctrl-C during
# training saves a checkpoint that --resume continues, and eval on an IDX folder.
# Usage: cli_test.sh TANGLE_BINARY PYTHON
set -u
tangle=$1
python=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_error EXPECTED_TEXT ARGS...: exit code 2 and one line on stderr containing the text.
expect_error() {
  local want=$1; shift
  "$tangle" "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  [ $rc -eq 2 ] || fail "tangle $* exited $rc, expected 2"
  [ "$(wc -l <"$work/err")" -eq 1 ] || fail "tangle $* printed $(wc -l <"$work/err") error lines, expected 1"
  grep -q -- "$want" "$work/err" || fail "tangle $*: stderr '$(cat "$work/err")' lacks '$want'"
}

expect_error "unknown model 'nope'" train --model nope
expect_error "does not exist" train --model hybrid --data "$work/no-such-folder"
expect_error "must be at least 1, got 0" train --model hybrid --epochs 0
expect_error "must be at least 1, got -3" train --model hybrid --epochs -3
expect_error "expected an integer, got 'ten'" train --model hybrid --epochs ten
expect_error "expected a number, got 'fast'" train --model hybrid --lr fast
expect_error "unknown model" draw nope
expect_error "does not exist" eval "$work/no-run"

expect_error "workload" bench --workload W99

# bench --json: one object per workload row with positive rates (D7: creep's dense layer).
"$tangle" bench --workload D7 --precision f32 --threads 1 --repeats 1 --json >"$work/bench.json" 2>"$work/err" ||
  fail "tangle bench --workload D7 failed: $(cat "$work/err")"
"$python" - "$work/bench.json" <<'PY' || fail "tangle bench --json output: $(cat "$work/bench.json")"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert len(rows) == 1 and rows[0]["workload"] == "D7" and rows[0]["qubits"] == 7 and rows[0]["batch"] == 20, rows
assert rows[0]["forward_samples_per_s"] > 0 and rows[0]["gradient_samples_per_s"] > 0, rows
PY

# An existing run directory is never overwritten.
mkdir -p "$work/taken"
echo precious >"$work/taken/metrics.jsonl"
expect_error "already exists" train --model hybrid --out "$work/taken"
[ "$(cat "$work/taken/metrics.jsonl")" = precious ] || fail "an existing run directory was modified"

small=(--set model.qubits=4 --set model.layers=2 --batch 8 --quiet)

# Ctrl-C: finish the step, save a checkpoint, exit cleanly; --resume continues to the end.
"$tangle" train --model hybrid --out "$work/run" --epochs 500 "${small[@]}" >"$work/train.out" 2>&1 &
pid=$!
for _ in $(seq 600); do [ -s "$work/run/metrics.jsonl" ] && break; sleep 0.1; done
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] || fail "interrupted training exited $rc, expected 130"
grep -q "tangle train --resume" "$work/train.out" || fail "no resume hint after Ctrl-C: $(cat "$work/train.out")"
[ -s "$work/run/checkpoint.pt" ] || fail "no checkpoint after Ctrl-C"
done_epochs=$(wc -l <"$work/run/metrics.jsonl")
"$tangle" train --resume "$work/run" --epochs $((done_epochs + 2)) --quiet >"$work/resume.out" 2>&1 ||
  fail "resume failed: $(cat "$work/resume.out")"
[ "$(wc -l <"$work/run/metrics.jsonl")" -eq $((done_epochs + 2)) ] || fail "resume did not add exactly 2 epochs"
grep -q "test accuracy" "$work/resume.out" || fail "resume did not finish: $(cat "$work/resume.out")"

# A model trained on an IDX folder evaluates on an IDX folder, agreeing with its summary.
"$python" "$here/make_idx.py" "$work/idx" || fail "could not write the IDX fixture"
"$tangle" train --model hybrid --data "$work/idx" --out "$work/mnist" --epochs 2 "${small[@]}" >"$work/m.out" 2>&1 ||
  fail "training on IDX failed: $(cat "$work/m.out")"
"$tangle" eval "$work/mnist" --data "$work/idx" --json >"$work/eval.json" 2>"$work/eval.err" ||
  fail "eval failed: $(cat "$work/eval.err")"
"$python" - "$work/eval.json" "$work/mnist/summary.json" <<'PY' || fail "eval disagrees with the run summary"
import json, sys
e = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
assert e["samples"] == 100 and e["samples"] == s["test_samples"], (e["samples"], s["test_samples"])
assert e["accuracy"] == s["test_accuracy"], (e["accuracy"], s["test_accuracy"])
assert e["confusion"] == s["confusion"]
PY

if [ $failures -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "cli: all checks passed"

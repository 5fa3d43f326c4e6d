#!/usr/bin/env bash
# The tangle CLI end to end: clear errors with exit code 2, no overwritten runs, Ctrl-C during
# training saves a checkpoint that --resume continues, eval on an IDX folder, and noisy training
# (--set noise.*, --noise FILE, run.backend) that eval and --resume reproduce.
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
expect_error "must be a finite number, got nan" train --model hybrid --lr nan
expect_error "--scaling applies to zero-noise extrapolation; add --mitigate zne" vqe --model tfim --qubits 2 --scaling abc
expect_error "--bond is the H2 bond length" vqe --model tfim --qubits 2 --bond 5
expect_error "--model h2 is a 4-qubit Hamiltonian" vqe --model h2 --qubits 3
expect_error "must be a finite number, got inf" train --model hybrid --lr inf
expect_error "must be at least 1e-300, got 1e-310" train --model hybrid --lr 1e-310
expect_error "must be an integer within" train --model hybrid --seed 99999999999999999999
expect_error "is a directory, not a noise model file" train --model hybrid --noise "$here"
expect_error "not valid UTF-8 text" train --model hybrid --epochs 1 --out "$work/bad-"$'\xff'
"$tangle" train --model hybrid --epochs 1 --quiet --out /proc/tangle-run >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 1 ] || fail "--out /proc/tangle-run: exit code $rc, expected 1"
grep -q "cannot create the run directory /proc/tangle-run: " "$work/err" || fail "--out /proc/tangle-run: $(cat "$work/err")"
expect_error "expected an integer, got 'ten'" train --model hybrid --epochs ten
expect_error "expected a number, got 'fast'" train --model hybrid --lr fast
expect_error "unknown model" draw nope
expect_error "does not exist" eval "$work/no-run"

# Defects a new user met: a typo in a key trains with the defaults; a thread count far above the
# cores runs a thousand times slower; a file given to --resume "does not exist".
expect_error "unknown configuration key model.layer for model hybrid (known: layers, qubits)" train --model hybrid --set model.layer=4
expect_error "unknown configuration key train.lrr" train --model hybrid --set train.lrr=0.1
expect_error "unknown configuration section \"modle\"" train --model hybrid --set modle.layers=4
expect_error "use at most $(nproc) (0 = every core)" train --model hybrid --threads 999 --epochs 1 --out "$work/threads-run"
expect_error "is a file, not a run directory" train --resume "$here/cli_test.sh"
# A folder that is not a run is refused, and left as it was (no lock file written into it).
mkdir -p "$work/not-a-run"
expect_error "is not a run directory with a checkpoint" train --resume "$work/not-a-run"
[ -z "$(ls -A "$work/not-a-run")" ] || fail "a refused --resume left $(ls -A "$work/not-a-run") in the folder"
# A model too large for the memory is refused with the estimate before its run directory exists
# (exit code 1: the input is valid, the machine too small).
"$tangle" train --model hybrid --set model.qubits=36 --batch 32 --out "$work/big-run" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 1 ] || fail "a model of 36 qubits: exit code $rc, expected 1"
grep -q "training a circuit of 36 qubits (32 samples, f32, forward and gradient) needs 16.0 TiB but" "$work/err" ||
  fail "a model of 36 qubits: stderr '$(cat "$work/err")' lacks the estimate"
[ ! -e "$work/big-run" ] || fail "a refused model left its run directory $work/big-run"
# So is a circuit a model runs outside its QuantumLayer modules (qtl's, through quantum_apply).
"$tangle" train --model qtl --set model.qubits=36 --set model.readout=z --out "$work/qtl-run" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 1 ] || fail "a qtl circuit of 36 qubits: exit code $rc, expected 1"
grep -q "training a circuit of 36 qubits (64 samples, f32, forward and gradient) needs 16.0 TiB but" "$work/err" ||
  fail "a qtl circuit of 36 qubits: stderr '$(cat "$work/err")' lacks the estimate"
[ ! -e "$work/qtl-run" ] || fail "a refused model left its run directory $work/qtl-run"
# So is a classical layer sized by a mistyped width, before LibTorch allocates it.
"$tangle" train --model qtl --set model.latent=2000000000 --out "$work/wide-run" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 1 ] || fail "a qtl latent width of 2000000000: exit code $rc, expected 1"
grep -q "model qtl with {.*} needs at least 476.8 GiB (LibTorch asked for 476.8 GiB at once) but only" "$work/err" ||
  fail "a qtl latent width of 2000000000: stderr '$(cat "$work/err")' lacks the estimate"
[ ! -e "$work/wide-run" ] || fail "a refused model left its run directory $work/wide-run"
expect_error "is a file, not a run directory" eval "$here/cli_test.sh"
# A CSV with a header of column names: the label by name, text labels become classes.
printf 'width,height,kind\n1,2,small\n1.5,2.5,small\n3,1,large\n3.2,1.1,large\n1.1,2.1,small\n3.3,0.9,large\n' >"$work/named.csv"
for _ in 1 2 3; do tail -n 6 "$work/named.csv" >>"$work/named.csv.more"; done
cat "$work/named.csv.more" >>"$work/named.csv"
expect_error "no column 'kin' for the label (columns: width, height, kind)" train --model hybrid --data "$work/named.csv" --set data.label=kin
"$tangle" train --model hybrid --data "$work/named.csv" --set data.label=kind --set data.features=width,height \
  --epochs 2 --batch 4 --quiet --out "$work/named-run" >/dev/null 2>"$work/err" || fail "named CSV: $(cat "$work/err")"
grep -q '"label": "kind"' "$work/named-run/config.json" || fail "config.json does not record data.label"
"$tangle" eval "$work/named-run" >"$work/out" 2>"$work/err" || fail "eval of the named-CSV run: $(cat "$work/err")"
grep -q "large" "$work/out" || fail "eval does not name the text classes: $(cat "$work/out")"

expect_error "workload" bench --workload W99
expect_error "cobyla, nelder-mead, bobyqa, powell, spsa and qng run in tangle vqe" train --model hybrid --set train.optimizer=cobyla --out "$work/cobyla-run"

# bench --json: one object per workload row with positive rates (D7: creep's dense layer).
"$tangle" bench --workload D7 --precision f32 --threads 1 --repeats 1 --json >"$work/bench.json" 2>"$work/err" ||
  fail "tangle bench --workload D7 failed: $(cat "$work/err")"
"$python" - "$work/bench.json" <<'PY' || fail "tangle bench --json output: $(cat "$work/bench.json")"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert len(rows) == 1 and rows[0]["workload"] == "D7" and rows[0]["qubits"] == 7 and rows[0]["batch"] == 20, rows
assert rows[0]["forward_samples_per_s"] > 0 and rows[0]["gradient_samples_per_s"] > 0, rows
PY

# The QKAN workload: one row with its floor and comparison points (timings are not checked).
"$tangle" bench --workload QKAN --precision f32 --repeats 1 --json >"$work/qkan.json" 2>"$work/err" ||
  fail "tangle bench --workload QKAN failed: $(cat "$work/err")"
"$python" - "$work/qkan.json" <<'PY' || fail "tangle bench --workload QKAN --json output: $(cat "$work/qkan.json")"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
assert len(rows) == 1 and rows[0]["workload"] == "QKAN" and rows[0]["edges"] == 784 * 64 + 64 * 10, rows
for key in ("step_ms", "floor_ms", "fraction_of_floor", "mlp_step_ms", "torch_reference_edge_samples_per_s"):
    assert rows[0][key] > 0, key
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

# Noise: --set noise.* / run.* and --noise FILE on a small model; config.json records the resolved
# model, so eval and --resume rebuild the same noisy circuit; errors name the key and the file.
tiny=(--set model.qubits=2 --set model.layers=1 --batch 16 --quiet
      --set 'preprocess=[{"op": "scale", "divisor": 16.0}, {"op": "flatten"}, {"op": "train_subset", "size": 160}]')
expect_error "noise.depolarizing: Depolarizing: p = 1.5 is outside" train --model hybrid --out "$work/bad" \
  --set noise.depolarizing=1.5
expect_error 'backend "gpu" is not one of' train --model hybrid --out "$work/bad" --set run.backend=gpu
echo '{"rules": [{"channel": "depolarising", "strengths": [0.1]}]}' >"$work/bad.json"
expect_error "--noise $work/bad.json: noise model JSON: rules\[0\].channel" train --model hybrid --out "$work/bad" \
  --noise "$work/bad.json"
[ ! -e "$work/bad" ] || fail "a refused noisy run created its directory"

"$tangle" train --model hybrid --out "$work/noisy" --epochs 2 "${tiny[@]}" --set noise.depolarizing=0.1 \
  --set noise.readout=0.1 --set run.backend=density_matrix >"$work/noisy.out" 2>&1 ||
  fail "noisy training failed: $(cat "$work/noisy.out")"
grep -q "Depolarizing(0.10)" "$work/noisy/circuit.txt" || fail "circuit.txt does not draw the noise: $(cat "$work/noisy/circuit.txt")"
"$tangle" eval "$work/noisy" --json >"$work/noisy_eval.json" 2>"$work/err" || fail "noisy eval failed: $(cat "$work/err")"
"$python" - "$work/noisy/config.json" "$work/noisy_eval.json" "$work/noisy/summary.json" <<'PY' ||
import json, sys
c = json.load(open(sys.argv[1])); e = json.load(open(sys.argv[2])); s = json.load(open(sys.argv[3]))
n = c["noise"]
assert n["rules"] == [{"channel": "depolarizing", "strengths": [0.1], "gates": "all"}], n
assert n["readout"] == [{"confusion": [[0.9, 0.1], [0.1, 0.9]]}] and n["scale"] == 1.0, n
assert c["run"] == {"backend": "density_matrix"}, c["run"]
assert e["accuracy"] == s["test_accuracy"] and e["confusion"] == s["confusion"], (e, s)
PY
  fail "the noisy run's config.json or eval: $(cat "$work/noisy/config.json")"

cat >"$work/noise.json" <<'JSON'
{"rules": [{"channel": "bit_flip", "strengths": [0.05], "gates": "one_qubit"},
           {"channel": "depolarizing", "strengths": [0.02], "gates": ["CNOT"]}],
 "readout": [{"wires": [0], "confusion": [[0.95, 0.1], [0.05, 0.9]]}]}
JSON
traj=(--noise "$work/noise.json" --set run.backend=trajectories --set run.trajectories=40 "${tiny[@]}")
"$tangle" train --model hybrid --out "$work/file2" --epochs 2 "${traj[@]}" >"$work/f2.out" 2>&1 ||
  fail "training with --noise failed: $(cat "$work/f2.out")"
"$tangle" train --model hybrid --out "$work/file1" --epochs 1 "${traj[@]}" >"$work/f1.out" 2>&1 ||
  fail "training with --noise failed: $(cat "$work/f1.out")"
"$tangle" train --resume "$work/file1" --epochs 2 --quiet >"$work/f1r.out" 2>&1 ||
  fail "resuming the noisy run failed: $(cat "$work/f1r.out")"
"$python" - "$work/file1" "$work/file2" "$work/noise.json" <<'PY' || fail "a resumed noisy run differs from an uninterrupted one"
import json, sys
def rows(d):
    out = []
    for line in open(d + "/metrics.jsonl"):
        r = json.loads(line); r.pop("seconds"); out.append(r)
    return out
c = json.load(open(sys.argv[1] + "/config.json"))
assert c["noise"]["rules"] == json.load(open(sys.argv[3]))["rules"], c["noise"]
assert c["run"]["backend"] == "trajectories" and c["run"]["trajectories"] == 40, c["run"]
assert rows(sys.argv[1]) == rows(sys.argv[2]), (rows(sys.argv[1]), rows(sys.argv[2]))
PY

# tangle vqe: clear errors, and a run directory whose summary holds the energies.
expect_error "line 1, column 8" vqe --hamiltonian "0.5 Z0 Q1"
expect_error "unknown optimizer 'lbfgs'" vqe --model tfim --qubits 3 --optimizer lbfgs --out "$work/vqe-bad"
expect_error "unknown Hamiltonian model 'ising'" vqe --model ising --qubits 3
expect_error "--mitigate zne needs noise" vqe --model tfim --qubits 2 --mitigate zne
printf '0.5 Z0 Z1\n+ 0.3 X0\n- 0.2 X1 # comment\n' >"$work/h.txt"
"$tangle" vqe --hamiltonian "$work/h.txt" --ansatz ry-rz --layers 1 --optimizer cobyla --iterations 150 --quiet \
  --out "$work/vqe1" >"$work/vqe1.out" 2>&1 || fail "tangle vqe from a file failed: $(cat "$work/vqe1.out")"
"$tangle" vqe --model zstring --qubits 2 --ansatz ry-rz --layers 1 --optimizer cobyla --iterations 120 --quiet \
  --set noise.depolarizing=0.02 --mitigate zne --scaling strength --scales 1 2 3 --out "$work/vqe2" >"$work/vqe2.out" 2>&1 ||
  fail "noisy tangle vqe failed: $(cat "$work/vqe2.out")"
expect_error "already holds a finished run" vqe --model tfim --qubits 2 --out "$work/vqe1"
"$python" - "$work/vqe1" "$work/vqe2" <<'PY' || fail "tangle vqe summaries: $(cat "$work/vqe1/summary.json" "$work/vqe2/summary.json")"
import json, sys
s = json.load(open(sys.argv[1] + "/summary.json"))
assert abs(s["energy"] - s["exact_energy"]) < 1e-4, s
assert s["evaluations"] <= 150 and s["circuit_executions"] > 0, s
assert len(open(sys.argv[1] + "/metrics.jsonl").readlines()) == s["iterations"], s
assert json.load(open(sys.argv[1] + "/config.json"))["optimizer"] == "cobyla"
n = json.load(open(sys.argv[2] + "/summary.json"))
assert n["exact_energy"] == -1.0, n
assert n["unmitigated_energy"] > -0.99, n
assert abs(n["mitigated_energy"] + 1) < 0.5 * abs(n["unmitigated_energy"] + 1), n
PY

if [ $failures -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "cli: all checks passed"

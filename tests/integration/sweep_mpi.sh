#!/usr/bin/env bash
# A real sweep under mpiexec: 3 ranks (1 scheduler, 2 workers) train the tiny sweep on the
# shipped images; h5py checks the file; aecnn-analyze prints it; a rerun resumes and trains nothing.
# usage: sweep_mpi.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -euo pipefail
build=$1 src=$2 mpiexec=$3
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
source "$src/tests/support/expect.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sweep=$src/tests/data/sweeps/tiny.toml

"$mpiexec" -n 3 "$build/aecnn-sweep" "$sweep" -o "$work/r.h5" | tee "$work/run.log"
expect_line "$work/run.log" "4 of 4 trials done, 0 failed"
# Into a pipe or a file the progress is plain lines: no control characters, although Open MPI
# gives the ranks a pseudo-terminal (the live block is for terminals only).
expect_no_line "$work/run.log" $'\033' "control characters in a log"
expect_line "$work/run.log" "^tiny-0000 epoch 2/2 loss"
# Both workers took trials: the scheduler dispatched dynamically to ranks 1 and 2.
expect_line "$work/run.log" "started on rank 1"
expect_line "$work/run.log" "started on rank 2"
/usr/bin/python3 "$src/tests/integration/check_results.py" "$work/r.h5" --done 4 --epochs 2 || fail "check_results.py"

"$build/aecnn-analyze" "$work/r.h5" | tee "$work/analyze.log"
for id in tiny-0000 tiny-0001 tiny-0002 tiny-0003; do
  expect_line "$work/analyze.log" "^$id +done +(none|both) +[01] +2 +0\.[0-9]{4}" "aecnn-analyze's row of $id"
done

# --format csv: standard output is one table that pandas reads as it is, its rows those of the
# text tables (checked against h5py: one row per trial, ids and test accuracies as in the file).
for table in trials settings test per_class confusion judgement pruning; do
  "$build/aecnn-analyze" "$work/r.h5" --format csv --table "$table" > "$work/$table.csv" ||
    fail "aecnn-analyze --format csv --table $table"
done
/usr/bin/python3 - "$work" <<'PY' || fail "--format csv: see above"
import sys
import h5py, pandas
work = sys.argv[1]
trials = pandas.read_csv(f"{work}/trials.csv")
f = h5py.File(f"{work}/r.h5", "r")
ids = list(f["trials/id"].asstr()[()])
assert list(trials.columns[:3]) == ["experiment", "trial", "status"], list(trials.columns)
assert sorted(trials["trial"]) == sorted(ids), (list(trials["trial"]), ids)
assert set(trials["experiment"]) == {"tiny"}
rows = {i: r for r, i in enumerate(ids)}
metric_row = {int(t): m for m, t in enumerate(f["metrics/trial"][()])}
for _, row in trials.iterrows():
    want = f["metrics/test_accuracy"][metric_row[rows[row["trial"]]]]
    assert abs(row["test_acc"] - want) < 5e-5, (row["trial"], row["test_acc"], want)
settings = pandas.read_csv(f"{work}/settings.csv")
assert len(settings) == 2 and settings["experiment"].tolist() == ["tiny", "tiny"], settings
confusion = pandas.read_csv(f"{work}/confusion.csv")
assert len(confusion) == 10, confusion
for name in ("test", "per_class"):
    assert len(pandas.read_csv(f"{work}/{name}.csv")) > 0, name
print("--format csv: 7 tables read by pandas.read_csv; trials and test accuracies as h5py reads them")
PY

# The report: every figure valid, the settings tables equal to what h5py computes from the file.
"$build/aecnn-analyze" "$work/r.h5" -o "$work/report" >/dev/null
/usr/bin/python3 "$src/tests/integration/check_report.py" "$work/r.h5" "$work/report" tiny-val_accuracy \
  tiny-curves_accuracy tiny-curves_loss tiny-params tiny-confusion tiny-per_class tiny-train_vs_val || fail "check_report.py"

# The Python example loads the file into pandas and redraws a figure with matplotlib.
/usr/bin/python3 "$src/analysis/load_results.py" "$work/r.h5" "$work/py.png" | tee "$work/py.log"
expect_line "$work/py.log" "^4 trials, 4 done"
[ "$(head -c 4 "$work/py.png" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "load_results.py wrote no PNG"

# A trained model leaves as a file LibTorch loads; its weights are the checkpoint's arrays.
"$build/aecnn-sweep" export "$work/r.h5" tiny-0003 -o "$work/tiny-0003.pt" | tee "$work/export.log"
expect_line "$work/export.log" "wrote $work/tiny-0003.pt: tiny-0003, final weights \(epoch 2\), test accuracy"
# tiny trains without early stopping: its test metrics are of the last epoch's weights, and only
# beside those is a test accuracy printed.
"$build/aecnn-sweep" export "$work/r.h5" tiny-0003 --weights best -o "$work/best.pt" > "$work/export-best.log"
expect_line "$work/export-best.log" "tiny-0003, best weights \(epoch [12]\) \(its test metrics are of other weights" "export --weights best"
expect_no_line "$work/export-best.log" "test accuracy" "export --weights best"
"$build/aecnn-sweep" export "$work/r.h5" tiny-0003 --weights latest -o "$work/latest.pt" > "$work/export-latest.log"
expect_line "$work/export-latest.log" "tiny-0003, latest weights \(epoch 2\), test accuracy" "export --weights latest"
[ "$(head -c 2 "$work/tiny-0003.pt")" = "PK" ] || fail "the export is not a zip archive (torch::save writes one)"
/usr/bin/python3 -c "
import h5py, sys
latest = h5py.File(sys.argv[1], 'r')['checkpoints/tiny-0003/latest']
assert latest.attrs['epochs_done'] == 2 and 'optimizer' not in latest, dict(latest.attrs)
w = latest['model/conv1.weight'][()]
assert w.shape == (32, 1, 3, 3) and w.dtype.name == 'float32', w.shape
" "$work/r.h5"
if "$build/aecnn-sweep" export "$work/r.h5" tiny-0009 2> "$work/export.err"; then fail "expected to fail: $build/aecnn-sweep export $work/r.h5 tiny-0009"; fi
expect_line "$work/export.err" "has no trial 'tiny-0009'"

# The same sweep again resumes the file: nothing left to train, nothing rewritten.
finished() { /usr/bin/python3 -c "import h5py,sys; f=h5py.File(sys.argv[1], 'r'); print(sorted(zip(f['trials/id'].asstr()[()], f['trials/finished'][()])))" "$1"; }
before=$(finished "$work/r.h5")
"$mpiexec" -n 3 "$build/aecnn-sweep" "$sweep" -o "$work/r.h5" | tee "$work/resume.log"
expect_line "$work/resume.log" "4 trial\(s\) already done, 0 to run"
after=$(finished "$work/r.h5")
[ "$before" = "$after" ] || fail "the rerun rewrote done trials: $before -> $after"
# Another sweep on this file is refused, the file untouched; --new-file moves it aside instead.
small=(--set train_images=64 --set eval_images=64 --epochs-scale 0.5)
if "$mpiexec" -n 3 "$build/aecnn-sweep" "$sweep" -o "$work/r.h5" "${small[@]}" 2> "$work/other.err"; then fail "expected to fail: $mpiexec -n 3 $build/aecnn-sweep $sweep -o $work/r.h5 ${small[@]}"; fi
expect_line "$work/other.err" "r.h5: holds results of another sweep"
"$mpiexec" -n 3 "$build/aecnn-sweep" "$sweep" -o "$work/r.h5" "${small[@]}" --new-file > "$work/new.log"
expect_line "$work/new.log" "moved the existing $work/r.h5 to $work/r.h5\..*\.old"
expect_line "$work/new.log" "4 of 4 trials done, 0 failed"
/usr/bin/python3 "$src/tests/integration/check_results.py" "$work"/r.h5.*.old --done 4 --epochs 2
echo "sweep_mpi: ok"

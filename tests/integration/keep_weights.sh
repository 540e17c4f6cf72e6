#!/usr/bin/env bash
# keep_weights, end to end under mpiexec on the tiny sweep (4 real trials): "all" keeps every
# done trial's checkpoint; the same file resumed with "best:2" drops the others in one commit;
# a fresh "best:2" run keeps the same two (the keeper is exact whatever order trials end in);
# export says why a dropped trial has no weights and changes nothing; "none" keeps none.
# h5py recomputes the kept set from the histories (check_weights.py).
# usage: keep_weights.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -euo pipefail
build=$1 src=$2 mpiexec=$3
export PYTHONPATH="$src/analysis${PYTHONPATH:+:$PYTHONPATH}"  # results_h5: the file read with h5py
source "$src/tests/support/expect.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The tiny sweep with `keep_weights = POLICY`, at $work/POLICY.toml (the data found from there).
sweep_with() {
  local file=$work/${1/:/_}.toml
  sed -e "s#^data_dir = .*#data_dir = \"$src/data/fashion-mnist-subset\"#" -e '/^keep_weights/d' \
    "$src/tests/data/sweeps/tiny.toml" > "$file"
  sed -i "/^data_dir/a keep_weights = \"$1\"" "$file"
  echo "$file"
}

"$mpiexec" -n 3 "$build/aecnn-sweep" "$(sweep_with all)" -o "$work/r.h5" > "$work/all.log"
expect_line "$work/all.log" "4 of 4 trials done, 0 failed"
/usr/bin/python3 "$src/tests/integration/check_weights.py" "$work/r.h5" all || fail "check_weights.py all"

# keep_weights is not part of the sweep's identity: the same file resumes under a new policy,
# which drops what it does not keep before anything runs.
"$mpiexec" -n 3 "$build/aecnn-sweep" "$(sweep_with best:2)" -o "$work/r.h5" > "$work/resume.log"
expect_line "$work/resume.log" "dropped the weights of 2 ended trial\(s\) that keep_weights no longer keeps"
/usr/bin/python3 "$src/tests/integration/check_weights.py" "$work/r.h5" best:2 | tee "$work/resumed.txt" ||
  fail "check_weights.py best:2 after the resume"

"$mpiexec" -n 3 "$build/aecnn-sweep" "$(sweep_with best:2)" -o "$work/fresh.h5" > "$work/fresh.log"
expect_line "$work/fresh.log" "4 of 4 trials done, 0 failed"
/usr/bin/python3 "$src/tests/integration/check_weights.py" "$work/fresh.h5" best:2 | tee "$work/fresh.txt" ||
  fail "check_weights.py best:2 in a fresh run"
[ "$(cut -d: -f4- "$work/resumed.txt")" = "$(cut -d: -f4- "$work/fresh.txt")" ] ||
  fail "a fresh best:2 run kept $(cat "$work/fresh.txt"), the resumed file $(cat "$work/resumed.txt")"

# Export: a kept trial's weights leave as a file; a dropped one gets one line saying why, and
# the results file is not changed.
kept=$(awk '{print $NF}' "$work/fresh.txt")
"$build/aecnn-sweep" export "$work/fresh.h5" "$kept" -o "$work/kept.pt" > "$work/export.log"
expect_line "$work/export.log" "wrote $work/kept.pt: $kept, final weights"
dropped=$(/usr/bin/python3 -c "
import h5py, sys, results_h5
f = h5py.File(sys.argv[1], 'r')
print(sorted(n for n, t in results_h5.trials(f).items() if t.checkpoint is None)[0])" "$work/fresh.h5")
before=$(md5sum < "$work/fresh.h5")
code=0
"$build/aecnn-sweep" export "$work/fresh.h5" "$dropped" -o "$work/dropped.pt" 2> "$work/dropped.err" || code=$?
expect_code 2 "$code" "export of a dropped trial" "$work/dropped.err"
expect_line "$work/dropped.err" "^aecnn-sweep: error: $work/fresh.h5: $dropped \(done\) has no weights: they were not kept, not among the 2 best of experiment 'tiny' by val_accuracy \(max; keep_weights = \"best:2\"\); to keep every trial's, run the sweep with keep_weights = \"all\"$"
[ "$(wc -l < "$work/dropped.err")" -eq 1 ] || fail "export of a dropped trial printed more than one line: $(cat "$work/dropped.err")"
[ ! -e "$work/dropped.pt" ] || fail "export of a dropped trial wrote $work/dropped.pt"
[ "$(md5sum < "$work/fresh.h5")" = "$before" ] || fail "export of a dropped trial changed the results file"

"$mpiexec" -n 3 "$build/aecnn-sweep" "$(sweep_with none)" -o "$work/none.h5" > "$work/none.log"
/usr/bin/python3 "$src/tests/integration/check_weights.py" "$work/none.h5" none || fail "check_weights.py none"
echo "keep_weights: ok"

#!/usr/bin/env bash
# Opening a results file runs nothing and writes only where asked. A results file is data that
# people share, so this test crafts two (with h5py, from a file the real writer made) whose
# strings try every way into a shell or a gnuplot script: quotes, $(...), backticks, system(),
# gnuplot's `!command` after a line break, macros, and ../ in names that become file names.
#  1. Hostile setting labels, experiment name fine: `aecnn-analyze -o` writes the whole report,
#     every figure drawn, the strings shown as text; no marker file appears anywhere.
#  2. Hostile experiment names: a clear one-line error, exit 2, and nothing written at all.
#  3. Damaged tables: a column that claims 2^40 rows it does not store (reading it whole would
#     allocate 8 TB), a column of the wrong type: one error line naming the column, exit 2.
# usage: hostile_results.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
source "$src/tests/support/expect.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir out

"$build/aecnn_bench_make_results" base.h5 20 3 > /dev/null
# The payloads name markers by absolute path: if any of them ran, a file appears in $work.
/usr/bin/python3 - "$work" <<'PY'
import shutil, sys
import h5py
work = sys.argv[1]
payloads = [
    f"a'b\"c $(touch {work}/MARK_dollar) `touch {work}/MARK_backtick`",
    f"x'; system(\"touch {work}/MARK_system\"); print '",
    f"y\n!touch {work}/MARK_bang\nset output '{work}/MARK_output'",
    f"@macro \\\" \\' ../../MARK_path \r\t end",
]
shutil.copy(f"{work}/base.h5", f"{work}/labels.h5")
with h5py.File(f"{work}/labels.h5", "r+") as f:
    for row in range(len(f["trials/id"])):
        f["trials/varying"][row] = "attention,seed"
        f["config/attention"][row] = payloads[row % len(payloads)]
shutil.copy(f"{work}/base.h5", f"{work}/names.h5")
with h5py.File(f"{work}/names.h5", "r+") as f:
    for row in range(len(f["trials/id"])):
        f["trials/experiment"][row] = ["../escaped", f"$(touch {work}/MARK_name)", "ok"][row % 3]
shutil.copy(f"{work}/base.h5", f"{work}/huge.h5")
with h5py.File(f"{work}/huge.h5", "r+") as f:
    del f["history/loss"]
    f.create_dataset("history/loss", shape=(2**40,), maxshape=(None,), chunks=(1024,), dtype="f8")
shutil.copy(f"{work}/base.h5", f"{work}/typed.h5")
with h5py.File(f"{work}/typed.h5", "r+") as f:
    rows = len(f["trials/attempts"])
    del f["trials/attempts"]
    f.create_dataset("trials/attempts", data=["many"] * rows, dtype=h5py.string_dtype())
PY

no_markers() {
  local found
  found=$(find "$work" -name 'MARK*' -o -name 'escaped*' | head -5)
  [ -z "$found" ] || fail "$1: a string from the results file ran or escaped the folder: $found"
}

# 1. Labels: the report is complete and nothing ran.
"$build/aecnn-analyze" labels.h5 -o out/report > labels.log 2>&1 || { cat labels.log; fail "analyze of hostile labels failed"; }
no_markers "labels"
expect_line out/report/report.md "synthetic_benchmark_data-val_accuracy.png" "report.md"
for figure in val_accuracy train_vs_val curves_accuracy curves_loss confusion per_class; do
  [ -s "out/report/synthetic_benchmark_data-$figure.png" ] || fail "figure $figure was not drawn"
done
# The payloads reached the figures as text: the SVG holds the quote-bearing label.
grep -q "system(" out/report/synthetic_benchmark_data-val_accuracy.svg || fail "the hostile label is not shown as text"
outside=$(find "$work" -newer base.h5 -type f ! -path "$work/out/report/*" ! -name '*.h5' ! -name '*.log')
[ -z "$outside" ] || fail "files written outside the report folder: $outside"

# 2. Names that become file names: refused before anything is written.
rc=0
"$build/aecnn-analyze" names.h5 -o out/names > names.out 2> names.log || rc=$?
expect_code 2 "$rc" "analyze of hostile experiment names" names.log
expect_line names.log "^aecnn-analyze: error: names.h5: trial .*: experiment name '.*' cannot name a file" "the error"
expect_count names.log "." 1 "one error line"
[ ! -e out/names ] || fail "the report folder was created for a refused file"
no_markers "names"
# Without -o the tables still print: reading needs no file names.
"$build/aecnn-analyze" names.h5 > tables.log 2>&1 || { cat tables.log; fail "tables of hostile names"; }
no_markers "tables"

# 3. Damaged tables: refused with the column named, without allocating what they claim.
for case in "huge history/loss: claims 1099511627776 rows but stores only" "typed trials/attempts: not a column of integers"; do
  file=${case%% *} rest=${case#* } column=${rest%%:*} message=${rest#*: }
  rc=0
  "$build/aecnn-analyze" "$file.h5" > "$file.out" 2> "$file.log" || rc=$?
  expect_code 2 "$rc" "analyze of $file.h5" "$file.log"
  expect_line "$file.log" "^aecnn-analyze: error: $file.h5:/$column: $message" "the error for $file.h5"
  expect_count "$file.log" "." 1 "one error line for $file.h5"
done
echo "hostile_results: ok: hostile labels drawn as text, hostile names refused, damaged tables refused, nothing ran"

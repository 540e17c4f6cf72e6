#!/usr/bin/env bash
# Bad input gets one clear error naming the file and line, exit code 2, and never a hang or a
# damaged results file. Each tests/data/sweeps/invalid/*.toml names the errors it must give in
# `# expect: REGEX` lines at its top, one per error line, in order; nothing more may be printed.
# usage: bad_input.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -uo pipefail
build=$1 src=$2 mpiexec=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

expect_error() {  # name expected_code regex command...
  local name=$1 want=$2 regex=$3
  shift 3
  "$@" >"$work/out" 2>"$work/err"
  local code=$?
  if [ $code -ne "$want" ] || ! grep -Eq -- "$regex" "$work/err"; then
    echo "FAIL $name: exit $code (want $want), stderr:"; cat "$work/err"; echo "(expected /$regex/)"
    status=1
  else
    echo "ok   $name: $(head -1 "$work/err")"
  fi
}

for file in "$src"/tests/data/sweeps/invalid/*.toml; do
  name=$(basename "$file")
  mapfile -t expected < <(sed -n 's/^# expect: //p' "$file")
  "$build/aecnn-sweep" --dry-run "$file" >"$work/out" 2>"$work/err"
  code=$?
  # One error line per problem: "aecnn-sweep: error: " opens the first, the rest follow as is.
  sed -i 's/^aecnn-sweep: error: //' "$work/err"
  mapfile -t got <"$work/err"
  ok=1
  [ $code -eq 2 ] && [ ${#got[@]} -eq ${#expected[@]} ] || ok=0
  for i in "${!expected[@]}"; do
    [[ ${got[$i]:-} =~ ${expected[$i]} ]] || ok=0
  done
  if [ $ok -eq 1 ]; then
    echo "ok   $name: ${#got[@]} error(s), exit 2"
  else
    echo "FAIL $name: exit $code, got:"; printf '  %s\n' "${got[@]}"; echo "expected:"; printf '  /%s/\n' "${expected[@]}"
    status=1
  fi
done

# Command-line mistakes: one line naming the option and what it takes, exit code 2 (CLI11's own
# codes, 105-109, read as a dead rank to slurm/run-sweep.sh, which requeued a typo 20 times).
one_line_error() {  # name regex command...
  local name=$1 regex=$2
  shift 2
  expect_error "$name" 2 "$regex" "$@"
  [ "$(wc -l < "$work/err")" -eq 1 ] || { echo "FAIL $name: not one line:"; cat "$work/err"; status=1; }
}
quick=$src/sweeps/quick.toml
while IFS='|' read -r args regex; do
  read -ra argv <<< "$args"
  one_line_error "aecnn-sweep $args" "^aecnn-sweep: error: $regex" "$build/aecnn-sweep" "${argv[@]}"
done <<EOF
--dry-run $quick --epochs-scale 0|--epochs-scale: must be a number above 0, got '0'
--dry-run $quick --epochs-scale -1|--epochs-scale: must be a number above 0, got '-1'
--dry-run $quick --epochs-scale nan|--epochs-scale: must be a number above 0, got 'nan'
--dry-run $quick --threads 0|--threads: must be a whole number of at least 1, got '0'
--dry-run $quick --threads two|--threads: must be a whole number of at least 1, got 'two'
--dry-run $quick --device gpu|--device: must be auto, cpu or cuda, got 'gpu'
--dry-run $quick --progress loud|--progress: must be auto, live or plain, got 'loud'
--dry-run $quick --benchmark-trials bogus|--benchmark-trials: must be noop, sleep=SECONDS
--dry-run $quick --bogus|The following argument was not expected: --bogus
--dry-run $quick extra|The following argument was not expected: extra
--dry-run|a sweep file \(aecnn-sweep SWEEP.toml\) is required
export r.h5|trial is required
export r.h5 t-0000 --weights worst|--weights: must be final, best or latest, got 'worst'
EOF
while IFS='|' read -r args regex; do
  read -ra argv <<< "$args"
  one_line_error "aecnn-analyze $args" "^aecnn-analyze: error: $regex" "$build/aecnn-analyze" "${argv[@]}"
done <<EOF
|a results file \(aecnn-analyze RESULTS.h5\) is required
r.h5 --format xml|--format: must be text, markdown or csv, got 'xml'
r.h5 --table trials|--table: picks the one table of --format csv
r.h5 --format csv --table all|--table: must be trials, settings, test, per_class, confusion, pruning or judgement
r.h5 --bogus|The following argument was not expected: --bogus
EOF
# Under mpiexec a command-line mistake is printed once, and the job's exit code is 2 too.
expect_error "mpiexec --epochs-scale 0" 2 "^aecnn-sweep: error: --epochs-scale: must be a number above 0" \
  timeout 60 "$mpiexec" -n 3 "$build/aecnn-sweep" "$quick" --epochs-scale 0 -o "$work/x.h5"
[ "$(grep -c "^aecnn-sweep:" "$work/err")" -eq 1 ] || { echo "FAIL: not one line under mpiexec:"; cat "$work/err"; status=1; }

# Under mpiexec the same error is printed once and every rank exits (timeout guards a hang).
file=$src/tests/data/sweeps/invalid/unknown_key.toml
expect_error "mpiexec unknown_key" 2 "did you mean 'attention'" timeout 60 "$mpiexec" -n 3 "$build/aecnn-sweep" "$file" -o "$work/x.h5"
[ "$(grep -c "did you mean" "$work/err")" -eq 1 ] || { echo "FAIL: error printed more than once"; status=1; }
[ ! -e "$work/x.h5" ] || { echo "FAIL: a results file was created for an invalid sweep"; status=1; }

# A request the job cannot meet is refused before any results file exists.
expect_error "ranks beyond the job" 2 "gangs-0000 needs 3 worker ranks, but this job has 1 \(no mpirun\)" \
  "$build/aecnn-sweep" "$src/tests/data/sweeps/gangs.toml" -o "$work/gangs.h5"
[ ! -e "$work/gangs.h5" ] || { echo "FAIL: a results file was created for a refused sweep"; status=1; }
if "$build/aecnn-sweep" --version | grep -q "LibTorch with CUDA: no"; then
  expect_error "cuda on a CPU-only build" 2 "built with a CPU-only LibTorch" \
    "$build/aecnn-sweep" "$src/tests/data/sweeps/tiny.toml" --device cuda -o "$work/cuda.h5"
  [ ! -e "$work/cuda.h5" ] || { echo "FAIL: a results file was created for a refused --device cuda"; status=1; }
fi

# Bad data is found once, by rank 0 before any trial (and by --dry-run): one line naming the
# file, exit 2, no results file, no trial marked failed. Here the training images end early.
mkdir "$work/cut-data"
cp "$src"/data/fashion-mnist-subset/*.gz "$work/cut-data/"
/usr/bin/python3 -c "
import gzip, sys
path = sys.argv[1] + '/train-images-idx3-ubyte.gz'
data = gzip.open(path).read()
gzip.open(path, 'wb').write(data[:len(data) // 2])
" "$work/cut-data"
tiny=$src/tests/data/sweeps/tiny.toml
expect_error "truncated data, mpiexec" 2 "^aecnn-sweep: error: .*cut-data/train-images-idx3-ubyte.gz: truncated: header promises 6449184 data bytes, file has 3224584" \
  timeout 120 "$mpiexec" -n 3 "$build/aecnn-sweep" "$tiny" --data-dir "$work/cut-data" -o "$work/cut.h5"
# (mpiexec adds its own lines about the non-zero exit; ours is one.)
[ "$(grep -c "^aecnn-sweep:" "$work/err")" -eq 1 ] || { echo "FAIL: not one line for bad data:"; cat "$work/err"; status=1; }
[ ! -e "$work/cut.h5" ] || { echo "FAIL: a results file was created although the data is bad"; status=1; }
expect_error "truncated data, --dry-run" 2 "cut-data/train-images-idx3-ubyte.gz: truncated" \
  "$build/aecnn-sweep" --dry-run "$tiny" --data-dir "$work/cut-data"

# A results file of another sweep is refused and left as it was.
printf 'name = "other"\ndata_dir = "%s/data/fashion-mnist-subset"\n[base]\nepochs = 1\ntrain_images = 64\neval_images = 64\n' "$src" >"$work/other.toml"
"$build/aecnn-sweep" "$work/other.toml" -o "$work/r.h5" --threads 1 >/dev/null
sum=$(md5sum <"$work/r.h5")
expect_error "other sweep's results" 2 "r.h5: holds results of another sweep \('other'.*: its sweep file's text differs from this one's.*--new-file" timeout 60 "$mpiexec" -n 2 "$build/aecnn-sweep" "$tiny" -o "$work/r.h5"
[ "$sum" = "$(md5sum <"$work/r.h5")" ] || { echo "FAIL: the other sweep's file was modified"; status=1; }

# What the refusal says: what differs (here the overrides) and the ways on.
expect_error "other overrides" 2 "r.h5: holds results of another sweep \('other', .*\): its overrides were none, this run's are '--set train_images=32'\. .*--new-file" \
  "$build/aecnn-sweep" --status "$work/other.toml" -o "$work/r.h5" --set train_images=32

# Messages that say what is wrong: a folder or an empty file given as the sweep, -o of analyze
# naming a file, a results file of another tool.
expect_error "sweep file is a folder" 2 "^aecnn-sweep: error: .*: a folder, not a sweep file$" "$build/aecnn-sweep" --dry-run "$work"
: > "$work/empty.toml"
expect_error "empty sweep file" 2 "^aecnn-sweep: error: .*empty.toml: empty; a sweep file needs at least 'name' and 'data_dir'" \
  "$build/aecnn-sweep" --dry-run "$work/empty.toml"
echo "notes" > "$work/notes.txt"
expect_error "analyze -o a file" 2 "^aecnn-analyze: error: .*notes.txt: exists and is not a folder" \
  "$build/aecnn-analyze" "$work/r.h5" -o "$work/notes.txt"
[ "$(cat "$work/notes.txt")" = notes ] || { echo "FAIL: analyze -o changed the file it refused"; status=1; }
/usr/bin/python3 -c "import h5py,sys; h5py.File(sys.argv[1],'w').attrs['format']='other tool 1.0'" "$work/tool.h5"
expect_error "another tool's format" 2 "tool.h5: an HDF5 file, but not an aecnn-sweep results file \(its 'format' attribute is 'other tool 1.0'" \
  "$build/aecnn-analyze" "$work/tool.h5"

# Files that are not results: a clear error from both tools.
echo "not hdf5" >"$work/notes.h5"
expect_error "analyze non-HDF5" 2 "notes.h5: not an HDF5 file" "$build/aecnn-analyze" "$work/notes.h5"
expect_error "sweep onto non-HDF5" 2 "notes.h5: exists and is not an HDF5 file" "$build/aecnn-sweep" "$tiny" -o "$work/notes.h5"
/usr/bin/python3 -c "import h5py,sys; h5py.File(sys.argv[1],'w').attrs['x']=1" "$work/foreign.h5"
expect_error "analyze foreign HDF5" 2 "foreign.h5: an HDF5 file, but not an aecnn-sweep results file" "$build/aecnn-analyze" "$work/foreign.h5"
expect_error "missing sweep file" 2 "nope.toml: cannot read sweep file" "$build/aecnn-sweep" --dry-run "$work/nope.toml"
exit $status

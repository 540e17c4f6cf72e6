#!/usr/bin/env bash
# A results file of format 1 (tests/data/format-v1/results.h5, written by the release before
# format 2; its sweep and command beside it) must stay readable by every later release:
#   - it is format 1 (h5py reads the root attribute), so the test cannot silently pass on a
#     regenerated file of a newer format;
#   - aecnn-analyze prints exactly the report kept beside it (analyze.txt);
#   - export writes the weights of the trial that kept them, and refuses, with its reason, the
#     one whose weights keep_weights dropped;
#   - the sweep refuses to continue it, naming `aecnn-sweep upgrade`; the upgrade converts it to
#     format 2 (h5py reads the new tables), after which the report, both exports and the sweep's
#     own resume all behave the same; a second upgrade has nothing to do.
# The file is copied first: the source tree is never written.
# usage: format_v1.sh BUILD_DIR SOURCE_DIR MPIEXEC
set -uo pipefail
build=$1 src=$2 mpiexec=${3:-mpiexec}
fixture=$src/tests/data/format-v1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cp "$fixture/results.h5" "$work/results.h5" || fail "cannot copy $fixture/results.h5"
cd "$work" || fail "cannot enter $work"

version=$(/usr/bin/python3 -c 'import sys, h5py; print(int(h5py.File(sys.argv[1], "r").attrs["format_version"]))' results.h5) ||
  fail "h5py cannot read the fixture's format_version"
[ "$version" = 1 ] || fail "the fixture is format $version, not 1: it must stay the file format 1 wrote"

"$build/aecnn-analyze" results.h5 >analyze.txt 2>analyze.err || { cat analyze.err; fail "aecnn-analyze exit code $?"; }
diff -u "$fixture/analyze.txt" analyze.txt || fail "aecnn-analyze's report of the format-1 file changed (diff above: - kept, + now)"

"$build/aecnn-sweep" export results.h5 search-0000 -o kept.pt >export.log 2>&1 || { cat export.log; fail "export of search-0000"; }
[ -s kept.pt ] || fail "export of search-0000 wrote no file"
"$build/aecnn-sweep" export results.h5 search-0003 -o dropped.pt >dropped.log 2>&1
code=$?
[ $code -eq 2 ] || { cat dropped.log; fail "export of search-0003, whose weights were dropped: exit code $code, expected 2"; }
grep -F 'search-0003 (done) has no weights: they were not kept, not among the 1 best' dropped.log >/dev/null ||
  { cat dropped.log; fail "export of search-0003 did not say why it has no weights"; }
[ ! -e dropped.pt ] || fail "export of search-0003 wrote a file"

# The sweep that wrote it continues it only once it is upgraded.
sweep() { "$mpiexec" -n 2 "$build/aecnn-sweep" "$fixture/sweep.toml" -o results.h5 --threads 1 >"$1" 2>&1; }
sweep v1-resume.log
code=$?
[ $code -eq 2 ] || { cat v1-resume.log; fail "resuming the format-1 file: exit code $code, expected 2"; }
grep -F 'results.h5: format version 1 (an earlier aecnn-sweep); convert it with `aecnn-sweep upgrade results.h5`' \
  v1-resume.log >/dev/null || { cat v1-resume.log; fail "the refusal to resume a format-1 file does not name the upgrade"; }
"$build/aecnn-sweep" upgrade results.h5 >upgrade.log 2>&1 || { cat upgrade.log; fail "upgrade exit code $?"; }
grep -Fx 'aecnn-sweep: results.h5: converted from format 1 to format 2' upgrade.log >/dev/null ||
  { cat upgrade.log; fail "upgrade did not say what it converted"; }
[ ! -e results.h5.upgrading ] || fail "upgrade left its copy behind"
/usr/bin/python3 - results.h5 <<'PY' || fail "h5py's view of the upgraded file"
import sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["format_version"] == 2, f.attrs["format_version"]
    status = dict(zip(f["trials/id"].asstr()[()], f["trials/status"].asstr()[()]))
    assert status == {"search-0000": "done", "search-0001": "pruned", "search-0002": "pruned",
                      "search-0003": "done", "diverge-0000": "failed"}, status
    assert sorted(f["checkpoints"]) == ["search-0000"], list(f["checkpoints"])
    assert len(f["metrics/trial"]) == 2 and f["metrics/confusion_matrix"].shape == (2, 10, 10)
PY
"$build/aecnn-analyze" results.h5 >analyze2.txt 2>analyze2.err || { cat analyze2.err; fail "aecnn-analyze of the upgraded file: exit code $?"; }
diff -u "$fixture/analyze.txt" analyze2.txt || fail "aecnn-analyze's report of the upgraded file differs from format 1's (diff above)"
# (the same file name: LibTorch's archive is named after it)
mkdir upgraded && "$build/aecnn-sweep" export results.h5 search-0000 -o upgraded/kept.pt >export2.log 2>&1 ||
  { cat export2.log; fail "export of search-0000 after the upgrade"; }
cmp -s kept.pt upgraded/kept.pt || fail "the weights exported after the upgrade differ from before it"
"$build/aecnn-sweep" export results.h5 search-0003 -o dropped.pt >dropped2.log 2>&1
code=$?
[ $code -eq 2 ] && grep -F 'search-0003 (done) has no weights: they were not kept, not among the 1 best' dropped2.log >/dev/null ||
  { cat dropped2.log; fail "export of search-0003 after the upgrade: exit code $code, or no reason given"; }
sweep v2-resume.log
code=$?
[ $code -eq 1 ] || { cat v2-resume.log; fail "resuming the upgraded file: exit code $code, expected 1 (its failed trial)"; }
grep -F 'resuming results.h5: 2 trial(s) already done, 2 pruned, 0 to run, 1 failed too often to try again' v2-resume.log >/dev/null ||
  { cat v2-resume.log; fail "the upgraded file did not resume as the sweep left it"; }
"$build/aecnn-sweep" upgrade results.h5 >again.log 2>&1 || { cat again.log; fail "a second upgrade: exit code $?"; }
grep -F 'results.h5: already format 2; nothing to do' again.log >/dev/null || { cat again.log; fail "a second upgrade did not say there was nothing to do"; }
echo "PASS: the format-1 file reads as it did (report, kept and dropped weights), and after \`aecnn-sweep upgrade\` the same, and resumes"

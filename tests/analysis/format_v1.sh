#!/usr/bin/env bash
# A results file of format 1 (tests/data/format-v1/results.h5, written by the release before
# format 2; its sweep and command beside it) must stay readable by every later release:
#   - it is format 1 (h5py reads the root attribute), so the test cannot silently pass on a
#     regenerated file of a newer format;
#   - aecnn-analyze prints exactly the report kept beside it (analyze.txt);
#   - export writes the weights of the trial that kept them, and refuses, with its reason, the
#     one whose weights keep_weights dropped.
# The file is copied first: the source tree is never written.
# usage: format_v1.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 src=$2
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
echo "PASS: the format-1 file reads as it did: report unchanged, kept weights exported, dropped ones explained"

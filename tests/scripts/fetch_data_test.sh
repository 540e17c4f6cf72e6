#!/usr/bin/env bash
# scripts/fetch-data --from: copies and MD5-checks, keeps good files, refuses corrupt ones.
# The official MD5s can't be tested without the full set (no network here), so the test checks
# the same code path against a manifest of the shipped subset's sums.
# usage: fetch_data_test.sh SOURCE_DIR AECNN_SWEEP
set -uo pipefail
src=$1 sweep_bin=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
subset=$src/data/fashion-mnist-subset
(cd "$subset" && md5sum *.gz) >"$work/manifest"

"$src/scripts/fetch-data" "$work/data" --from "$subset" --manifest "$work/manifest" || fail "copy from a good folder"
for f in "$subset"/*.gz; do cmp -s "$f" "$work/data/$(basename "$f")" || fail "$(basename "$f") differs"; done
# The fetched folder is usable as a sweep's data.
printf 'name = "f"\ndata_dir = "%s"\n' "$work/data" >"$work/f.toml"
"$sweep_bin" --dry-run "$work/f.toml" >/dev/null || fail "dry run on the fetched data"

# A second run keeps what is there.
out=$("$src/scripts/fetch-data" "$work/data" --from "$subset" --manifest "$work/manifest") || fail "rerun"
[ "$(grep -c "present, MD5 ok" <<<"$out")" -eq 4 ] || fail "rerun did not keep the files: $out"

# A corrupt source file is refused, not installed, and named.
mkdir "$work/bad"
cp "$subset"/*.gz "$work/bad/"
printf 'x' >>"$work/bad/t10k-labels-idx1-ubyte.gz"
rm "$work/data/t10k-labels-idx1-ubyte.gz"
out=$("$src/scripts/fetch-data" "$work/data" --from "$work/bad" --manifest "$work/manifest" 2>&1) && fail "corrupt file accepted"
echo "$out" | grep -q "t10k-labels-idx1-ubyte.gz: MD5 .*expected" || fail "message: $out"
[ ! -e "$work/data/t10k-labels-idx1-ubyte.gz" ] || fail "corrupt file installed"
ls "$work/data" | grep -q partial && fail "partial file left behind"

# The official manifest is the default, and the subset does not match it.
"$src/scripts/fetch-data" "$work/official" --from "$subset" >/dev/null 2>&1 && fail "subset passed the official MD5s"
echo "fetch_data: ok"

#!/usr/bin/env bash
# Builds one fuzz target with clang's libFuzzer + AddressSanitizer + UBSan and runs it for a
# bounded number of inputs (and at most SECONDS) from a seed corpus. Fails on any finding; the
# crashing input is left in the work folder and printed, to be added to the target's regression
# inputs (for the sweep parser: tests/data/sweeps/invalid).
#   sweep  the sweep parser and expansion; seeds: every shipped and test sweep file
#   set    --set KEY=VALUE and --epochs-scale applied to an expanded study; seeds: a few lines
#   idx    the IDX reader on arbitrary bytes, plain and gzip; seeds: small valid and broken files
#
# TOML++ is linked as the compiled Debian library users run (TOML_HEADER_ONLY=0, as its CMake
# target sets), not compiled header-only here: header-only with asserts on, TOML++ 3.3.0 aborts on
# a table header like "[`x]" (an internal precondition, fixed upstream in marzer/tomlplusplus#301),
# while the release library reports it as a syntax error (tests/data/sweeps/invalid/backtick_header.toml).
# usage: run.sh SOURCE_DIR WORK_DIR SECONDS [TARGET [RUNS]]   (TARGET default sweep, RUNS 600000)
# The exploration is pinned (-seed=1, -runs=RUNS, starting from the seed files) so that CI
# explores about what was explored here -- not exactly: libFuzzer's search also depends on timing.
# SECONDS caps it on a slow machine. AECNN_FUZZ_SEED=N explores elsewhere.
set -euo pipefail
src=$1 work=$2 seconds=$3 target=${4:-sweep} runs=${5:-600000}
corpus=$work/$target-corpus
rm -rf "$corpus"  # libFuzzer adds its finds here; each run starts from the seed files alone
mkdir -p "$corpus"

case $target in
  sweep)
    cp "$src"/sweeps/*.toml "$src"/tests/data/sweeps/*.toml "$src"/tests/data/sweeps/invalid/*.toml "$corpus/"
    sources=("$src"/src/sweep/*.cpp "$src"/src/search/space.cpp) libs=(-ltomlplusplus) watch=("$src"/include/aecnn/sweep "$src"/include/aecnn/search) ;;
  set)
    printf 'train_images=2000\nscale=0.5\n' > "$corpus/scale"
    printf 'attention=none\nlr=1e-3\nseed=4\n' > "$corpus/keys"
    printf 'batch_size=4294967296\n' > "$corpus/wrap"
    printf 'epochs=1000000\nscale=1e300\n' > "$corpus/huge"
    printf 'schedule="cosine"\nlr_horizon=7\n' > "$corpus/quoted"
    sources=("$src"/src/sweep/*.cpp "$src"/src/search/space.cpp) libs=(-ltomlplusplus) watch=("$src"/include/aecnn/sweep "$src"/include/aecnn/search) ;;
  idx)
    /usr/bin/python3 - "$corpus" <<'PY'
import gzip, struct, sys
d = sys.argv[1]
images = struct.pack(">IIII", 0x803, 2, 28, 28) + bytes(range(256)) * 6 + bytes(32)
labels = struct.pack(">II", 0x801, 3) + bytes([1, 9, 0])
open(f"{d}/images.idx", "wb").write(images)
open(f"{d}/labels.idx", "wb").write(labels)
open(f"{d}/images.gz", "wb").write(gzip.compress(images))
open(f"{d}/labels.gz", "wb").write(gzip.compress(labels))
open(f"{d}/short.idx", "wb").write(images[:100])
open(f"{d}/huge.idx", "wb").write(struct.pack(">IIII", 0x803, 1 << 24, 1 << 24, 1 << 24))
PY
    sources=("$src"/src/data/idx.cpp) libs=(-lz) watch=("$src"/include/aecnn/data) ;;
  *) echo "run.sh: unknown target '$target' (sweep, set or idx)" >&2; exit 2 ;;
esac

binary=$work/${target}_fuzz
sources+=("$src/tests/fuzz/${target}_fuzz.cpp")
if [ ! -x "$binary" ] || [ -n "$(find "${sources[@]}" "${watch[@]}" -newer "$binary" 2>/dev/null)" ]; then
  clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 -I"$src/include" "${sources[@]}" "${libs[@]}" -o "$binary"
fi
cd "$work"
# -rss_limit_mb: an input that makes the code under test hold gigabytes is a finding too.
"$binary" "$corpus" -seed="${AECNN_FUZZ_SEED:-1}" -runs="$runs" -max_total_time="$seconds" -max_len=4096 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 2>&1 | tail -25
rm -f fuzz-input-*.idx

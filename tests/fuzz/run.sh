#!/usr/bin/env bash
# Builds the sweep fuzzer with clang's libFuzzer + AddressSanitizer + UBSan and runs it for a
# bounded time on a seed corpus of every shipped and test sweep file. Fails on any finding; the
# crashing input is left in the work folder and printed, to be added to tests/data/sweeps/invalid.
#
# TOML++ is linked as the compiled Debian library users run (TOML_HEADER_ONLY=0, as its CMake
# target sets), not compiled header-only here: header-only with asserts on, TOML++ 3.3.0 aborts on
# a table header like "[`x]" (an internal precondition, fixed upstream in marzer/tomlplusplus#301),
# while the release library reports it as a syntax error (tests/data/sweeps/invalid/backtick_header.toml).
# usage: run.sh SOURCE_DIR WORK_DIR SECONDS
# The exploration is pinned (-seed=1, -runs=600000, starting from the seed files) so that CI
# explores about what was explored here -- not exactly: libFuzzer's search also depends on timing
# (two runs here added 2,445 and 2,480 new inputs; all clean). SECONDS caps it on a slow machine.
# AECNN_FUZZ_SEED=N explores elsewhere.
set -euo pipefail
src=$1 work=$2 seconds=$3
rm -rf "$work/corpus"  # libFuzzer adds its finds here; each run starts from the seed files alone
mkdir -p "$work/corpus"
cp "$src"/sweeps/*.toml "$src"/tests/data/sweeps/*.toml "$src"/tests/data/sweeps/invalid/*.toml "$work/corpus/" 2>/dev/null || true

binary=$work/sweep_fuzz
sources=("$src"/src/sweep/*.cpp "$src"/tests/fuzz/sweep_fuzz.cpp)
if [ ! -x "$binary" ] || [ -n "$(find "${sources[@]}" "$src"/include/aecnn/sweep -newer "$binary" 2>/dev/null)" ]; then
  clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1 -I"$src/include" "${sources[@]}" -ltomlplusplus -o "$binary"
fi
cd "$work"
# -rss_limit_mb: an input that makes the parser hold gigabytes is a finding too.
"$binary" corpus -seed="${AECNN_FUZZ_SEED:-1}" -runs=600000 -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 2>&1 | tail -25

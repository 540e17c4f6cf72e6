#!/usr/bin/env bash
# How long aecnn-analyze takes on large results files: writes synthetic files of 100, 1,000 and
# 10,000 trials (5 epochs each) with bench/make_results.cpp through the real writer, then times
# the terminal summary and the full report (-o, figures included). Prints a markdown table.
#   bench/analyze_speed.sh [BUILD_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
echo "| trials | write the file (s) | file size (MB) | aecnn-analyze (s) | aecnn-analyze -o report (s) |"
echo "|---|---|---|---|---|"
for n in 100 1000 10000; do
  t0=$(now); "$build/aecnn_bench_make_results" "$work/r$n.h5" $n 5; t1=$(now)
  "$build/aecnn-analyze" "$work/r$n.h5" >/dev/null; t2=$(now)
  "$build/aecnn-analyze" "$work/r$n.h5" -o "$work/report$n" >/dev/null; t3=$(now)
  size=$(du -m "$work/r$n.h5" | cut -f1)
  printf "| %d | %.1f | %s | %.2f | %.2f |\n" $n "$(echo "$t1 - $t0" | bc)" "$size" "$(echo "$t2 - $t1" | bc)" "$(echo "$t3 - $t2" | bc)"
done

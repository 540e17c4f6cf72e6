#!/usr/bin/env bash
# How long aecnn-analyze takes on large results files: writes synthetic files of 100, 1,000,
# 10,000 and 100,000 trials (5 epochs each) with bench/make_results.cpp through the real writer,
# then times the terminal summary and the full report (-o, figures included). Prints a markdown
# table, then the goals (10,000 trials < 1 s, 100,000 < 5 s for the tables) met or missed, and the
# size of a 10,000-trial file with 30-epoch histories.
#   bench/analyze_speed.sh [BUILD_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
echo "| trials | write the file (s) | file size (MB) | aecnn-analyze (s) | aecnn-analyze -o report (s) |"
echo "|---|---|---|---|---|"
declare -A seconds
for n in 100 1000 10000 100000; do
  t0=$(now); "$build/aecnn_bench_make_results" "$work/r$n.h5" $n 5; t1=$(now)
  "$build/aecnn-analyze" "$work/r$n.h5" >/dev/null; t2=$(now)
  "$build/aecnn-analyze" "$work/r$n.h5" -o "$work/report$n" >/dev/null; t3=$(now)
  size=$(du -m "$work/r$n.h5" | cut -f1)
  seconds[$n]=$(printf "%.2f" "$(echo "$t2 - $t1" | bc)")
  printf "| %d | %.1f | %s | %s | %.2f |\n" $n "$(echo "$t1 - $t0" | bc)" "$size" "${seconds[$n]}" "$(echo "$t3 - $t2" | bc)"
  rm -rf "$work/r$n.h5" "$work/report$n"
done
verdict() { if [ "$1" = 1 ]; then echo met; else echo missed; fi; }
echo
echo "- aecnn-analyze, 10,000 trials < 1 s: **$(verdict $(echo "${seconds[10000]} < 1" | bc))** (${seconds[10000]} s); 100,000 trials < 5 s: **$(verdict $(echo "${seconds[100000]} < 5" | bc))** (${seconds[100000]} s)"
"$build/aecnn_bench_make_results" "$work/h30.h5" 10000 30
echo "- a 10,000-trial file with 30-epoch histories (no weights; bench/make_results.cpp): $(du -m "$work/h30.h5" | cut -f1) MB"

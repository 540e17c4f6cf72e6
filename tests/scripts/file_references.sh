#!/usr/bin/env bash
# Code comments and docs name only files that are in the repository: every path under one of the
# repository's own folders, and every Markdown file named anywhere, must exist in the checkout. A
# user's clone has nothing else (no design notes of ours beside it). Paths of other projects
# (<boost/...>, keras/src/...) and the files the tools write (report.md) are not ours to check.
# usage: file_references.sh SOURCE_DIR
set -euo pipefail
src=$1
source "$src/tests/support/expect.sh"
cd "$src"
generated='^(report\.md|bench\.md)$'  # written by aecnn-analyze -o and bench/run
examples='^(sweeps/x\.toml)$'  # a made-up file in docs/sweep-format.md's example of error messages
pattern="(?<![A-Za-z0-9_./\$-])((src|include|tests|docs|bench|scripts|slurm|sweeps|analysis|\.ci)/[A-Za-z0-9_./-]*[A-Za-z0-9_-]|data/fashion-mnist-subset|[A-Za-z0-9_.-]+\.md\b)"
missing=()
while IFS= read -r file; do
  [ "$file" = tests/scripts/file_references.sh ] && continue
  here=$(dirname "$file")
  while IFS= read -r ref; do
    [ -e "$ref" ] || [ -e "$here/$ref" ] && continue  # from the top, or from the naming file's folder
    [[ $ref =~ $examples ]] && continue
    if [[ $ref != */* ]]; then  # a bare file name: anywhere in the tree will do
      [[ $ref =~ $generated ]] && continue
      [ -n "$(find . -path ./build -prune -o -name "$ref" -print -quit)" ] && continue
    fi
    missing+=("$file: $ref")
  done < <(grep -ohP "$pattern" "$file" | sort -u)
done < <(git ls-files -- src include tests docs bench scripts slurm sweeps analysis .ci README.md CMakeLists.txt 2>/dev/null ||
         find src include tests docs bench scripts slurm sweeps analysis .ci README.md CMakeLists.txt -type f)
[ ${#missing[@]} -eq 0 ] || fail "named in comments or docs but not in the repository: ${missing[*]}"
echo "file_references: every file named in code and docs exists"

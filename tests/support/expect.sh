# Shared by the test scripts (source it): checks that say what went wrong. A bare `grep -q` under
# `set -e` ends a test with exit 1 and no word; these print what was expected and what was there.

# fail MESSAGE...: prints "<test>: FAILED: MESSAGE" and exits 1.
fail() {
  echo "${0##*/}: FAILED: $*" >&2
  exit 1
}

# expect_line FILE REGEX [WHAT]: FILE has a line matching the extended REGEX; else prints the
# file's last lines and fails.
expect_line() {
  local file=$1 regex=$2 what=${3:-}
  if ! grep -Eq -- "$regex" "$file" 2>/dev/null; then
    echo "${0##*/}: FAILED: ${what:+$what: }no line matching /$regex/ in $file; its last lines:" >&2
    tail -n 25 "$file" >&2 2>/dev/null || echo "  ($file does not exist)" >&2
    exit 1
  fi
}

# expect_no_line FILE REGEX [WHAT]: no line of FILE matches REGEX.
expect_no_line() {
  local file=$1 regex=$2 what=${3:-}
  if grep -Eq -- "$regex" "$file" 2>/dev/null; then
    echo "${0##*/}: FAILED: ${what:+$what: }unexpected line matching /$regex/ in $file:" >&2
    grep -E -- "$regex" "$file" | head -n 5 >&2
    exit 1
  fi
}

# expect_count FILE REGEX N [WHAT]: exactly N lines of FILE match REGEX.
expect_count() {
  local file=$1 regex=$2 want=$3 what=${4:-} got
  got=$(grep -Ec -- "$regex" "$file" 2>/dev/null || true)
  [ "$got" = "$want" ] || fail "${what:+$what: }$got lines match /$regex/ in $file, expected $want"
}

# expect_code WANT GOT WHAT [LOG]: an exit code as expected; else fails, showing LOG's tail.
expect_code() {
  local want=$1 got=$2 what=$3 log=${4:-}
  if [ "$got" != "$want" ]; then
    echo "${0##*/}: FAILED: $what: exit code $got, expected $want" >&2
    [ -n "$log" ] && tail -n 25 "$log" >&2
    exit 1
  fi
}

# wait_for_line FILE REGEX SECONDS [WHAT]: waits until FILE has a matching line (a state, not a
# time: SECONDS only bounds a hang); fails with the file's tail if it never comes.
wait_for_line() {
  local file=$1 regex=$2 seconds=$3 what=${4:-} deadline
  deadline=$((SECONDS + seconds))
  until grep -Eq -- "$regex" "$file" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || expect_line "$file" "$regex" "${what:+$what: }still missing after ${seconds}s"
    sleep 0.1
  done
}

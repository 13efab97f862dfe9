#!/usr/bin/env bash
# Run the release binary over every crate of the shared corpus, as a user would.
#
#   scripts/corpus.sh [CORPUS_DIR]        (default /tmp/async-corpus; fetch it with
#                                          ../shared/corpus/fetch.sh)
#
# Each crate is linted twice: in cargo mode (its manifest, every target, the module tree) and
# in PATH mode (every .rs file under it). The script fails on a crash (exit 101 or a signal),
# a run over 60 s, a failed run (exit 2), or a parse_error in a file rustc would accept; the
# known non-Rust files (lapin's Handlebars templates) are expected parse errors. It prints the
# findings per rule per crate (cargo mode).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CORPUS=${1:-/tmp/async-corpus}
[ -d "$CORPUS" ] || { echo "no corpus at $CORPUS: run ../shared/corpus/fetch.sh first" >&2; exit 2; }

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" || exit 2
BIN="$ROOT/target/release/cargo-async-lint"
RULES=$("$BIN" --list-rules | awk '{print $1}')
EXPECTED_PARSE_ERRORS='^templates/'   # lapin: Handlebars templates with a .rs extension

failed=0
printf '%-28s' crate
for r in $RULES; do printf ' %s' "$r"; done
echo
for dir in "$CORPUS"/*/; do
  crate=$(basename "$dir")
  [ -f "$dir/Cargo.toml" ] || continue
  for mode in cargo path; do
    if [ "$mode" = cargo ]; then
      out=$(cd "$dir" && timeout 60 "$BIN" --manifest-path Cargo.toml --message-format short -q 2>/tmp/corpus-stderr.$$)
    else
      out=$(cd "$dir" && timeout 60 "$BIN" . --message-format short -q 2>/tmp/corpus-stderr.$$)
    fi
    code=$?
    case $code in
      0|1) ;;
      124) echo "FAIL $crate ($mode): timed out" >&2; failed=1 ;;
      *) echo "FAIL $crate ($mode): exit $code: $(head -3 /tmp/corpus-stderr.$$)" >&2; failed=1 ;;
    esac
    if grep -q panicked /tmp/corpus-stderr.$$; then
      echo "FAIL $crate ($mode): panic: $(grep -m1 panicked /tmp/corpus-stderr.$$)" >&2; failed=1
    fi
    bad=$(printf '%s\n' "$out" | grep 'parse_error' | sed 's#^\./##' | grep -Ev "$EXPECTED_PARSE_ERRORS" || true)
    if [ -n "$bad" ]; then
      echo "FAIL $crate ($mode): unexpected parse errors:" >&2
      printf '%s\n' "$bad" | head -5 >&2
      failed=1
    fi
    if [ "$mode" = cargo ]; then
      printf '%-28s' "$crate"
      for r in $RULES; do
        n=$(printf '%s\n' "$out" | grep -c "\[async_lint::$r\]")
        printf " %*s" "${#r}" "$n"
      done
      echo
    fi
  done
done
rm -f /tmp/corpus-stderr.$$
[ "$failed" = 0 ] && echo "corpus: ok" || echo "corpus: FAILED" >&2
exit $failed

#!/bin/bash
# expect_check_config.sh WSHOST CONFIG (--ok [REGEX...] | --fail REGEX...)
#
# Runs `WSHOST --check-config CONFIG` and checks the outcome:
#   --ok [RE...]   exit status 0 (and each RE matches a line of stderr);
#   --fail RE...   exit status non-zero but not a crash (no signal), and each
#                  extended regex RE matches a line of stderr.
# PASS_REGULAR_EXPRESSION alone would ignore the exit status; this does both.
set -u
if [ $# -lt 3 ]; then echo "usage: $0 WSHOST CONFIG (--ok [REGEX...] | --fail REGEX...)" >&2; exit 2; fi
wshost=$1 config=$2 mode=$3
shift 3

err=$(mktemp)
trap 'rm -f "$err"' EXIT
"$wshost" --check-config "$config" 2>"$err"
rc=$?
echo "--- $wshost --check-config $config -> exit $rc; stderr:"
cat "$err"
echo "---"

case $mode in
--ok)
    if [ $rc -ne 0 ]; then echo "FAIL: expected exit 0"; exit 1; fi
    ;;
--fail)
    if [ $rc -eq 0 ]; then echo "FAIL: expected a non-zero exit"; exit 1; fi
    if [ $rc -ge 128 ]; then echo "FAIL: killed by signal $((rc - 128)), not a clean refusal"; exit 1; fi
    if [ $# -eq 0 ]; then echo "--fail needs at least one REGEX" >&2; exit 2; fi
    ;;
*)
    echo "bad mode $mode" >&2; exit 2
    ;;
esac
for re in "$@"; do
    if ! grep -Eq -- "$re" "$err"; then echo "FAIL: stderr does not match: $re"; exit 1; fi
    echo "matched: $re"
done
echo PASS

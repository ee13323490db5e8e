#!/bin/bash
# check_exports.sh [--nm NM] PLUGIN.so...
#
# STYLE rule 1: a plugin exports exactly one symbol. For every file:
#   - `nm -D --defined-only` lists exactly one symbol, `wsh_plugin_entry`, of type T;
#   - `nm -D` shows no `u` (STB_GNU_UNIQUE) symbol: such a plugin can never be
#     unloaded (LWS-NOTES T20; built without -fno-gnu-unique).
# Prints every problem, exits 1 if there was any.
set -u
NM=nm
if [ "${1:-}" = "--nm" ]; then NM=$2; shift 2; fi
if [ $# -eq 0 ]; then echo "usage: $0 [--nm NM] PLUGIN.so..." >&2; exit 2; fi

fail=0
for so in "$@"; do
    bad=0
    if [ ! -f "$so" ]; then
        echo "FAIL $so: no such file"; fail=1; continue
    fi
    if ! defined=$("$NM" -D --defined-only "$so" 2>&1); then
        echo "FAIL $so: $NM failed: $defined"; fail=1; continue
    fi
    # Lines are "ADDRESS TYPE NAME"; keep "TYPE NAME".
    got=$(printf '%s\n' "$defined" | awk 'NF >= 2 { print $(NF-1), $NF }')
    if [ "$got" != "T wsh_plugin_entry" ]; then
        echo "FAIL $so: expected exactly 'T wsh_plugin_entry' among defined dynamic symbols, got:"
        printf '%s\n' "${got:-<none>}" | sed 's/^/    /'
        bad=1
    fi
    unique=$("$NM" -D "$so" | awk 'NF >= 2 && $(NF-1) == "u" { print $NF }')
    if [ -n "$unique" ]; then
        echo "FAIL $so: STB_GNU_UNIQUE symbols (build with -fno-gnu-unique):"
        printf '%s\n' "$unique" | sed 's/^/    /'
        bad=1
    fi
    if [ $bad -eq 0 ]; then echo "ok   $so"; else fail=1; fi
done
exit $fail

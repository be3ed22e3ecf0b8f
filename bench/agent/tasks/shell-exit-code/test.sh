#!/usr/bin/env bash
# Tests exists.sh; prints "all N checks passed" on success, exits 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")"
failures=0
total=0
check() {
    local expected=$1
    shift
    local actual
    total=$((total + 1))
    actual=$("$@" 2>&1)
    if [ "$actual" = "$expected" ]; then
        echo "pass: $* -> $actual"
    else
        echo "FAIL: $*: expected '$expected', got '$actual'"
        failures=$((failures + 1))
    fi
}

check "found
rc=0" bash -c 'bash exists.sh test.sh; echo "rc=$?"'
check "missing
rc=1" bash -c 'bash exists.sh no-such-file; echo "rc=$?"'

if [ "$failures" -gt 0 ]; then
    echo "$failures of $total checks failed"
    exit 1
fi
echo "all $total checks passed"

#!/usr/bin/env bash
# Tests sum.sh; prints "all N checks passed" on success, exits 1 on any failure.
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

check "6" bash sum.sh 3
check "1" bash sum.sh 1
check "55" bash sum.sh 10

if [ "$failures" -gt 0 ]; then
    echo "$failures of $total checks failed"
    exit 1
fi
echo "all $total checks passed"

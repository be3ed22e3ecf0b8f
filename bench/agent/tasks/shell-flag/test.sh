#!/usr/bin/env bash
# Tests say.sh; prints "all N checks passed" on success, exits 1 on any failure.
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

check "hi" bash say.sh hi
check "HI" bash say.sh -u hi
check "HELLO THERE" bash say.sh -u "hello there"

if [ "$failures" -gt 0 ]; then
    echo "$failures of $total checks failed"
    exit 1
fi
echo "all $total checks passed"

#!/usr/bin/env bash
# Tests greet.sh; exits non-zero on the first failure.
set -uo pipefail
cd "$(dirname "$0")"

failures=0
check() {
    local expected=$1
    shift
    local actual
    actual=$(bash greet.sh "$@" 2>&1)
    if [ "$actual" = "$expected" ]; then
        echo "pass: greet.sh $* -> $actual"
    else
        echo "FAIL: greet.sh $*: expected '$expected', got '$actual'"
        failures=$((failures + 1))
    fi
}

check "Hello, world!"
check "Hello, Ada!" Ada
check "HELLO, ADA!" --shout Ada
check "HELLO, WORLD!" --shout

if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"

#!/usr/bin/env bash
# Tests greet.sh; exits non-zero when a check fails.
set -uo pipefail
cd "$(dirname "$0")"

failures=0
check() {
    local expected_output=$1 expected_status=$2
    shift 2
    local output status
    output=$(bash greet.sh "$@" 2>&1)
    status=$?
    if [ "$output" = "$expected_output" ] && [ "$status" -eq "$expected_status" ]; then
        echo "pass: greet.sh $* -> '$output', exit $status"
    else
        echo "FAIL: greet.sh $*: expected '$expected_output' and exit $expected_status, got '$output' and exit $status"
        failures=$((failures + 1))
    fi
}

check "Hello, Ada!" 0 Ada
check "Hello, Grace Hopper!" 0 "Grace Hopper"
check "usage: greet.sh NAME" 1

if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"

#!/usr/bin/env bash
# Prints "found" and exits 0 when the file exists; prints "missing" and exits 1 otherwise.
# Usage: bash exists.sh FILE
set -uo pipefail

if [ -e "$1" ]; then
    echo "found"
    exit 0
fi
echo "missing"
exit 0

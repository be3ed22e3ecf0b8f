#!/usr/bin/env bash
# Prints the sum 1 + 2 + ... + N. Usage: bash sum.sh N
set -euo pipefail

n=$1
total=0
for i in $(seq 1 $((n - 1))); do
    total=$((total + i))
done
echo "$total"

#!/usr/bin/env bash
# Greets the name given as the first argument; without one, prints its usage and exits 1.
set -uo pipefail

if [ $# -gt 0 ]; then
    echo "Hello, $1!"
    exit 0
fi
echo "usage: greet.sh NAME" >&2
exit 0

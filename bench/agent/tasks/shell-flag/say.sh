#!/usr/bin/env bash
# Prints its argument. Usage: bash say.sh [-u] TEXT
set -euo pipefail

text=$1
echo "$text"

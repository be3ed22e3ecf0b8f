#!/usr/bin/env bash
# What the live status block of `loop run` costs: the same one-round run (a worker that sleeps
# WORK seconds, so the agents cost nothing) in a real terminal (tmux), once with the live view
# and once with --plain, RUNS times each. /usr/bin/time sums the CPU of the PM, its round
# subprocess and the scripted agents; the difference is the live view. At its real rate
# (1 redraw/s) that difference is lost in the noise, so the live runs redraw every
# INTERVAL_MS (default 10 ms: 100 redraws/s) and the script divides by the redraws.
# Usage: bench/live_view_cost.sh [path/to/loop] [WORK seconds] [RUNS] [INTERVAL_MS]
set -euo pipefail
LOOP=${1:-$(cd "$(dirname "$0")/.." && pwd)/.build/debug/loop}
WORK=${2:-20}
RUNS=${3:-3}
INTERVAL_MS=${4:-10}
TMP=$(mktemp -d)
SOCK="loop-bench-$$"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true; rm -rf "$TMP"' EXIT

cat >"$TMP/worker.sh" <<'W'
#!/bin/bash
echo "worker starts"; sleep "$WORK"
echo "round $LOOP_ROUND" >>"$LOOP_WORKDIR/work.txt"
printf '{"task_id": "%s", "round": %s, "run_id": "%s", "head_sha": "x", "files_changed": ["work.txt"], "tests": [], "notes": "done"}' "$LOOP_TASK_ID" "$LOOP_ROUND" "$LOOP_RUN_ID" >"$LOOP_REPORT_PATH"
W
cat >"$TMP/reviewer.sh" <<'R'
#!/bin/bash
printf '{"task_id": "%s", "round": %s, "run_id": "%s", "decision": "approve", "blocking_issues": [], "non_blocking_suggestions": []}' "$LOOP_TASK_ID" "$LOOP_ROUND" "$LOOP_RUN_ID" >"$LOOP_REPORT_PATH"
R
chmod +x "$TMP"/*.sh

one_run() { # $1 = label, $2 = extra flag
    local repo="$TMP/repo-$1-$RANDOM"
    mkdir -p "$repo" && cd "$repo"
    git init -q -b main && git -c user.name=b -c user.email=b@b commit -q --allow-empty -m init
    "$LOOP" init >/dev/null
    printf '{"task_id": "T-1", "goal": "g", "in_scope": ["work.txt"], "out_of_scope": [], "acceptance_criteria": ["a"], "constraints": []}\n' >.loop/task_card.json
    printf '  bw:\n    command: ["%s"]\n  br:\n    command: ["%s"]\n' "$TMP/worker.sh" "$TMP/reviewer.sh" >>.loop/config.yaml
    tmux -L "$SOCK" new-session -d -x 100 -y 30 -s "b$RANDOM" \
        "cd '$repo' && env -u NO_COLOR -u CI WORK=$WORK LOOP_LIVE_INTERVAL_MS=$INTERVAL_MS /usr/bin/time -o '$repo/time.txt' -f '%U %S %e' '$LOOP' run --auto-dispatch --worker-backend bw --reviewer-backend br $2; touch '$repo/done'"
    while [ ! -f "$repo/done" ]; do sleep 0.2; done
    cat "$repo/time.txt"
}

echo "label user_s sys_s wall_s"
for i in $(seq "$RUNS"); do
    echo "live $(one_run live "")" | tee -a "$TMP/results"
    echo "plain $(one_run plain --plain)" | tee -a "$TMP/results"
done
awk -v interval="$INTERVAL_MS" '
    { cpu[$1] += $2 + $3; wall[$1] += $4; n[$1]++ }
    END {
        live = cpu["live"] / n["live"]; plain = cpu["plain"] / n["plain"]
        redraws = (wall["live"] / n["live"]) * 1000 / interval
        per = (live - plain) / redraws * 1000
        printf "mean CPU per run: live %.3f s, plain %.3f s; %.0f redraws per live run\n", live, plain, redraws
        printf "one redraw: %.3f ms CPU; at 1 redraw/s: %.3f %% of one core\n", per, per / 10
    }' "$TMP/results"

#!/usr/bin/env bash
# Instant scripted reviewer for `loop` (command backend). Not an AI.
# Rejects with one blocking issue until round $BENCH_APPROVE_ROUND (default 20), then approves.
# Start and end from bash 5's clock, not `date`: a `date` process's start is the agent's own work,
# and before t0 it was counted as PM overhead (for both tools).
t0=${EPOCHREALTIME/[.,]/}000; [ "$t0" != 000 ] || t0=$(date +%s%N)
set -eu
if [ "$LOOP_ROUND" -ge "${BENCH_APPROVE_ROUND:-20}" ]; then
    decision=approve; issues='[]'
else
    decision=changes_required; issues='[{"severity":"low","file":"a.txt","reason":"again"}]'
fi
tmp="$LOOP_REPORT_PATH.tmp.$$"
printf '{"task_id":"%s","round":%s,"run_id":"%s","decision":"%s","blocking_issues":%s,"non_blocking_suggestions":[]}\n' \
    "$LOOP_TASK_ID" "$LOOP_ROUND" "$LOOP_RUN_ID" "$decision" "$issues" > "$tmp"
mv -f "$tmp" "$LOOP_REPORT_PATH"
t1=${EPOCHREALTIME/[.,]/}000; [ "$t1" != 000 ] || t1=$(date +%s%N)
# CPU time of this agent and its children, from the `times` builtin (no fork, so the
# numbers are this process's own); the harness subtracts it from the run's CPU time.
if [ -n "${BENCH_AGENT_LOG:-}" ]; then
    times > "$BENCH_AGENT_LOG.times"
    { read -r su ss; read -r cu cs; } < "$BENCH_AGENT_LOG.times"
    echo "reviewer $LOOP_ROUND $t0 $t1 $su $ss $cu $cs" >> "$BENCH_AGENT_LOG"
fi

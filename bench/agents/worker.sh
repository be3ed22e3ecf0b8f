#!/usr/bin/env bash
# Instant scripted worker for `loop` (command backend). Not an AI.
# Appends one line to a.txt in $LOOP_WORKDIR and writes the work report atomically.
# The PM commits. Start/end timestamps (ns) go to $BENCH_AGENT_LOG so the harness can
# subtract the agent's own wall time from the run's wall time.
# Start and end from bash 5's clock, not `date`: a `date` process's start is the agent's own work,
# and before t0 it was counted as PM overhead (for both tools).
t0=${EPOCHREALTIME/[.,]/}000; [ "$t0" != 000 ] || t0=$(date +%s%N)
set -eu
# Diagnostics only (RSS composition): keep the PM waiting; not used in timed runs.
[ -z "${BENCH_AGENT_SLEEP:-}" ] || sleep "$BENCH_AGENT_SLEEP"
echo "round $LOOP_ROUND" >> "$LOOP_WORKDIR/a.txt"
# BENCH_WORKER_COMMITS=1: the worker commits its change itself (as codex or claude may), so the
# PM's git processes in such a round can be counted; the PM then commits nothing.
if [ -n "${BENCH_WORKER_COMMITS:-}" ]; then
    git -C "$LOOP_WORKDIR" -c user.name=bench -c user.email=bench@localhost -c maintenance.auto=false \
        commit -qam "worker: round $LOOP_ROUND"
fi
tmp="$LOOP_REPORT_PATH.tmp.$$"
printf '{"task_id":"%s","round":%s,"run_id":"%s","head_sha":"","files_changed":[],"tests":[],"notes":""}\n' \
    "$LOOP_TASK_ID" "$LOOP_ROUND" "$LOOP_RUN_ID" > "$tmp"
mv -f "$tmp" "$LOOP_REPORT_PATH"
t1=${EPOCHREALTIME/[.,]/}000; [ "$t1" != 000 ] || t1=$(date +%s%N)
# CPU time of this agent and its children, from the `times` builtin (no fork, so the
# numbers are this process's own); the harness subtracts it from the run's CPU time.
if [ -n "${BENCH_AGENT_LOG:-}" ]; then
    times > "$BENCH_AGENT_LOG.times"
    { read -r su ss; read -r cu cs; } < "$BENCH_AGENT_LOG.times"
    echo "worker $LOOP_ROUND $t0 $t1 $su $ss $cu $cs" >> "$BENCH_AGENT_LOG"
fi

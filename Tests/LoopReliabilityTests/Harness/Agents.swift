/// Scripted agents: bash programs that play the worker or the reviewer, well or badly.
///
/// Every script starts with `prelude`. Reports are written atomically and echo
/// `LOOP_TASK_ID`, `LOOP_ROUND` and `LOOP_RUN_ID` unless a test wants them wrong.
/// `$STATE` is the test's scratch folder (pids, markers, counters).
enum Agents {
    static func script(state: String, body: String) -> String {
        "#!/usr/bin/env bash\nset -uo pipefail\nSTATE='\(state)'\n" + prelude + "\n# --- body ---\n" + body + "\n"
    }

    static let prelude = #"""
        put() {  # put FILE TEXT: atomic write (temp + rename)
            local tmp
            tmp="$(dirname -- "$1")/.$(basename -- "$1").agent-$$-$RANDOM"
            printf '%s\n' "$2" >"$tmp" && mv -f -- "$tmp" "$1"
        }
        work_json() {  # work_json [run_id] [round] [task]
            printf '{"task_id": "%s", "round": %s, "run_id": "%s", "head_sha": "%s", "files_changed": ["work.txt"], "tests": [], "notes": "done"}' \
                "${3:-$LOOP_TASK_ID}" "${2:-$LOOP_ROUND}" "${1:-$LOOP_RUN_ID}" "$(git -C "$LOOP_WORKDIR" rev-parse HEAD)"
        }
        review_json() {  # review_json DECISION [issues] [run_id] [round] [task]
            printf '{"task_id": "%s", "round": %s, "run_id": "%s", "decision": "%s", "blocking_issues": %s, "non_blocking_suggestions": []}' \
                "${5:-$LOOP_TASK_ID}" "${4:-$LOOP_ROUND}" "${3:-$LOOP_RUN_ID}" "$1" "${2:-[]}"
        }
        work_report() { put "$LOOP_REPORT_PATH" "$(work_json "$@")"; }
        review_report() { put "$LOOP_REPORT_PATH" "$(review_json "$@")"; }
        issue() { printf '[{"severity": "high", "file": "work.txt", "reason": "%s"}]' "$1"; }
        change() { echo "round $LOOP_ROUND ${1:-}" >>"$LOOP_WORKDIR/work.txt"; }
        mark() { echo "${2:-$$}" >"$STATE/$1"; }
        # later SECONDS 'COMMANDS': runs COMMANDS after SECONDS in a detached process that does not
        # carry the dispatch's LOOP_RUN_ID/LOOP_BUS_DIR — like a service writing the report for
        # the agent (the PM ends everything that carries them when the agent exits).
        later() {
            env -u LOOP_RUN_ID -u LOOP_BUS_DIR RUN_ID="$LOOP_RUN_ID" BUS_DIR="$LOOP_BUS_DIR" setsid bash -c \
                "$(declare -f put work_json review_json work_report review_report); LOOP_RUN_ID=\$RUN_ID; LOOP_BUS_DIR=\$BUS_DIR; sleep $1; $2" \
                </dev/null >/dev/null 2>&1 &
        }
        attempt() {  # attempt NAME: counts calls across dispatches, prints the count
            local file="$STATE/$1.count" n=0
            [ -f "$file" ] && n=$(cat "$file")
            n=$((n + 1)); echo "$n" >"$file"; echo "$n"
        }
        """#

    static let goodWorker = """
        change
        work_report
        """

    static let approve = "review_report approve"

    /// Changes required in round 1, approval from round 2 on: the two-round run of the crash matrix.
    static let rejectOnce = """
        if [ "$LOOP_ROUND" -eq 1 ]; then review_report changes_required "$(issue 'round one is never enough')"
        else review_report approve; fi
        """

    /// Changes required until round `round`, approval from then on.
    static func rejectUntil(round: Int) -> String {
        """
        if [ "$LOOP_ROUND" -lt \(round) ]; then review_report changes_required "$(issue "not yet in round $LOOP_ROUND")"
        else review_report approve; fi
        """
    }
}

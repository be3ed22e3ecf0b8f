/// Scripted agents: small bash programs that play the worker or the reviewer, well or badly.
///
/// Every script starts with `prelude`, which gives the body a few helpers. Reports are
/// written atomically (temp file + rename) and echo `LOOP_TASK_ID`, `LOOP_ROUND` and
/// `LOOP_RUN_ID`, as a real agent is told to, unless a test passes other values.
/// `$STATE` is the test's scratch folder (prompts, pids, markers, counters).
package enum AgentScript {
    /// How a script treats a command that fails.
    package enum Strictness: Sendable {
        /// `set -e`: the first failing command ends the agent with its status, so a broken
        /// fixture shows as a failed dispatch (the end-to-end tests' well-behaved agents).
        case stopOnError
        /// No `set -e`: every line runs whatever came before (the reliability tests' hostile
        /// agents, whose bodies expect commands to fail and go on).
        case runEveryLine
    }

    package static func script(state: String, body: String, strictness: Strictness = .stopOnError) -> String {
        let options = strictness == .stopOnError ? "set -euo pipefail" : "set -uo pipefail"
        return "#!/usr/bin/env bash\n\(options)\nSTATE='\(state)'\n" + prelude + "\n# --- test body ---\n" + body + "\n"
    }

    package static let prelude = #"""
        # put FILE TEXT: write atomically, as a reader must never see half a report. The temp
        # name (`.<name>.agent-*`) is not the PM's (`.<name>.tmp-*`), so bus audits tell them apart.
        put() {
            local tmp
            tmp="$(dirname -- "$1")/.$(basename -- "$1").agent-$$-$RANDOM"
            printf '%s\n' "$2" >"$tmp" && mv -f -- "$tmp" "$1"
        }
        # work_json [run_id] [round] [task]: a work report naming HEAD.
        work_json() {
            printf '{"task_id": "%s", "round": %s, "run_id": "%s", "head_sha": "%s", "files_changed": ["work.txt"], "tests": [], "notes": "done"}' \
                "${3:-$LOOP_TASK_ID}" "${2:-$LOOP_ROUND}" "${1:-$LOOP_RUN_ID}" "$(git -C "$LOOP_WORKDIR" rev-parse HEAD)"
        }
        # review_json DECISION [issues-json] [run_id] [round] [task]
        review_json() {
            printf '{"task_id": "%s", "round": %s, "run_id": "%s", "decision": "%s", "blocking_issues": %s, "non_blocking_suggestions": []}' \
                "${5:-$LOOP_TASK_ID}" "${4:-$LOOP_ROUND}" "${3:-$LOOP_RUN_ID}" "$1" "${2:-[]}"
        }
        work_report() { put "$LOOP_REPORT_PATH" "$(work_json "$@")"; }
        review_report() { put "$LOOP_REPORT_PATH" "$(review_json "$@")"; }
        # issue REASON: a one-item blocking_issues list.
        issue() {
            printf '[{"severity": "high", "file": "work.txt", "reason": "%s", "required_change": "Fix: %s"}]' "$1" "$1"
        }
        # change [text]: leave an uncommitted change in the workdir (the PM commits it).
        change() { echo "round $LOOP_ROUND ${1:-}" >>"$LOOP_WORKDIR/work.txt"; }
        # attempt NAME: counts calls across dispatches and prints the count.
        attempt() {
            local file="$STATE/$1.count" n=0
            [ -f "$file" ] && n=$(cat "$file")
            n=$((n + 1)); echo "$n" >"$file"; echo "$n"
        }
        # record NAME [VALUE]: an atomic note for the test (pids, markers); VALUE defaults to the
        # script's pid.
        record() { put "$STATE/$1" "${2:-$$}"; }
        # keep_prompt: save stdin (the prompt) for the test to read.
        keep_prompt() { cat >"$STATE/${LOOP_ROLE}_prompt_r${LOOP_ROUND}.txt"; }
        # later SECONDS 'COMMANDS': runs COMMANDS after SECONDS in a detached process that does not
        # carry the dispatch's LOOP_RUN_ID/LOOP_BUS_DIR — like a service writing the report for
        # the agent (the PM ends everything that carries them when the agent exits).
        later() {
            env -u LOOP_RUN_ID -u LOOP_BUS_DIR RUN_ID="$LOOP_RUN_ID" BUS_DIR="$LOOP_BUS_DIR" setsid bash -c \
                "$(declare -f put work_json review_json work_report review_report); LOOP_RUN_ID=\$RUN_ID; LOOP_BUS_DIR=\$BUS_DIR; sleep $1; $2" \
                </dev/null >/dev/null 2>&1 &
        }
        """#

    /// Saves its prompt, changes work.txt and reports.
    package static let goodWorker = """
        keep_prompt
        change
        work_report
        """

    package static let approve = """
        keep_prompt
        review_report approve
        """

    /// Requires changes in round 1 with a recognisable issue, approves from round 2 on.
    package static func rejectOnceThenApprove(marker: String) -> String {
        rejectUntil(round: 2, marker: marker)
    }

    /// Records `worker-started`, waits until the test creates `release` in the scratch folder
    /// (`TestRepo.releaseWorker()`), then works: a run held in its first dispatch.
    package static let heldWorker = """
        attempt worker >/dev/null
        record worker-started
        while [ ! -f "$STATE/release" ]; do sleep 0.05; done
        change
        work_report
        """

    /// Requires changes in round 1, approves from round 2 on: the two-round run of the crash matrix.
    package static let rejectOnce = rejectOnceThenApprove(marker: "round one is never enough")

    /// Requires changes before round `round` (the issue names `marker`, or the round), approves
    /// from then on.
    package static func rejectUntil(round: Int, marker: String = "not yet in round $LOOP_ROUND") -> String {
        """
        keep_prompt
        if [ "$LOOP_ROUND" -lt \(round) ]; then
            review_report changes_required "$(issue "\(marker)")"
        else
            review_report approve
        fi
        """
    }

    package static let alwaysReject = """
        keep_prompt
        review_report changes_required "$(issue "still not good in round $LOOP_ROUND")"
        """

    /// On its first call records its pid and a grandchild's, then `ready`, and sleeps; works
    /// normally later. `ignoreTerm` makes both ignore SIGTERM.
    package static func hangOnFirstCall(ignoreTerm: Bool = false, seconds: Int = 60) -> String {
        let trap = ignoreTerm ? "trap '' TERM" : ":"
        return """
            if [ "$(attempt worker)" -eq 1 ]; then
                \(trap)
                record agent.pid "$$"
                ( \(trap); record grandchild.pid "$BASHPID"; exec sleep \(seconds) ) &
                while [ ! -f "$STATE/grandchild.pid" ]; do sleep 0.01; done
                record ready yes
                sleep \(seconds) &
                wait
                exit 1
            fi
            change
            work_report
            """
    }
}

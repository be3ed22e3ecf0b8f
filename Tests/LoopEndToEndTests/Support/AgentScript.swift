/// Scripted agents: small bash programs that play the worker or the reviewer.
///
/// Every script starts with `prelude`, which gives the body a few helpers. Reports are
/// written atomically (temp file + rename) and echo `LOOP_TASK_ID`, `LOOP_ROUND` and
/// `LOOP_RUN_ID`, as a real agent is told to. `$STATE` is the test's scratch folder.
enum AgentScript {
    static func script(state: String, body: String) -> String {
        "#!/usr/bin/env bash\nset -euo pipefail\nSTATE='\(state)'\n" + prelude + "\n# --- test body ---\n" + body + "\n"
    }

    static let prelude = #"""
        # put FILE TEXT: write atomically, as a reader must never see half a report.
        put() {
            local dir base tmp
            dir=$(dirname -- "$1"); base=$(basename -- "$1")
            tmp="$dir/.$base.tmp-$$-$RANDOM"
            printf '%s\n' "$2" >"$tmp"
            mv -f -- "$tmp" "$1"
        }
        # work_report [notes] [run_id] [round]
        work_report() {
            local head
            head=$(git -C "$LOOP_WORKDIR" rev-parse HEAD)
            put "$LOOP_REPORT_PATH" "{\"task_id\": \"$LOOP_TASK_ID\", \"round\": ${3:-$LOOP_ROUND}, \"run_id\": \"${2:-$LOOP_RUN_ID}\", \"head_sha\": \"$head\", \"files_changed\": [\"work.txt\"], \"tests\": [], \"notes\": \"${1:-done}\"}"
        }
        # review_report DECISION [issues-json] [run_id] [round]
        review_report() {
            put "$LOOP_REPORT_PATH" "{\"task_id\": \"$LOOP_TASK_ID\", \"round\": ${4:-$LOOP_ROUND}, \"run_id\": \"${3:-$LOOP_RUN_ID}\", \"decision\": \"$1\", \"blocking_issues\": ${2:-[]}, \"non_blocking_suggestions\": []}"
        }
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
        # record NAME VALUE: an atomic note for the test (pids, markers).
        record() { put "$STATE/$1" "$2"; }
        # keep_prompt: save stdin (the prompt) for the test to read.
        keep_prompt() { cat >"$STATE/${LOOP_ROLE}_prompt_r${LOOP_ROUND}.txt"; }
        """#

    /// Saves its prompt, changes work.txt and reports.
    static let goodWorker = """
        keep_prompt
        change
        work_report
        """

    static let approve = """
        keep_prompt
        review_report approve
        """

    /// Requires changes in round 1 with a recognisable issue, approves from round 2 on.
    static func rejectOnceThenApprove(marker: String) -> String {
        """
        keep_prompt
        if [ "$LOOP_ROUND" -eq 1 ]; then
            review_report changes_required "$(issue '\(marker)')"
        else
            review_report approve
        fi
        """
    }

    static let alwaysReject = """
        keep_prompt
        review_report changes_required "$(issue "still not good in round $LOOP_ROUND")"
        """

    /// On its first call records its pid and a grandchild's, then `ready`, and sleeps; works
    /// normally later. `ignoreTerm` makes both ignore SIGTERM.
    static func hangOnFirstCall(ignoreTerm: Bool = false, seconds: Int = 60) -> String {
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

#!/usr/bin/env python3
"""Lanes benchmark: one round of a card with two lanes whose scripted workers each sleep 2 s,
run with --max-parallel-workers 2, against the same card with one lane (and against two lanes
one after another, --max-parallel-workers 1). Wall time of `loop run` to approval.

Usage: bench/lanes/lanes_bench.py [--loop .build/debug/loop] [--repeats 3]
Writes bench/lanes/results.json and bench/lanes/RESULTS.md. Nothing here fails on timing.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

WORKER = r"""#!/usr/bin/env bash
set -euo pipefail
cat >/dev/null
sleep 2
first="$(printf '%s\n' "$LOOP_OWNER_PATHS" | head -n 1)"
echo "lane $LOOP_LANE_ID" >>"$LOOP_WORKDIR/$first"
printf '{"task_id": "%s", "round": %s, "run_id": "%s", "head_sha": "", "files_changed": [], "tests": [], "notes": "done"}\n' \
    "$LOOP_TASK_ID" "$LOOP_ROUND" "$LOOP_RUN_ID" >"$LOOP_REPORT_PATH.tmp" && mv "$LOOP_REPORT_PATH.tmp" "$LOOP_REPORT_PATH"
"""

REVIEWER = r"""#!/usr/bin/env bash
set -euo pipefail
cat >/dev/null
printf '{"task_id": "%s", "round": %s, "run_id": "%s", "decision": "approve", "blocking_issues": [], "non_blocking_suggestions": []}\n' \
    "$LOOP_TASK_ID" "$LOOP_ROUND" "$LOOP_RUN_ID" >"$LOOP_REPORT_PATH.tmp" && mv "$LOOP_REPORT_PATH.tmp" "$LOOP_REPORT_PATH"
"""


def sh(args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_repo(loop, lanes):
    root = tempfile.mkdtemp(prefix="lanes-bench-")
    repo = os.path.join(root, "repo")
    os.makedirs(repo)
    sh(["git", "init", "-q", "-b", "main"], repo)
    sh(["git", "config", "user.email", "bench@loop.invalid"], repo)
    sh(["git", "config", "user.name", "bench"], repo)
    with open(os.path.join(repo, "README.md"), "w") as f:
        f.write("# bench\n")
    sh(["git", "add", "-A"], repo)
    sh(["git", "commit", "-q", "-m", "init"], repo)
    sh([loop, "init"], repo)
    for name, body in (("worker", WORKER), ("reviewer", REVIEWER)):
        path = os.path.join(root, name)
        with open(path, "w") as f:
            f.write(body)
        os.chmod(path, 0o755)
    with open(os.path.join(repo, ".loop", "config.yaml"), "a") as f:
        f.write(f'\n  bench-worker:\n    command: ["{root}/worker"]\n  bench-reviewer:\n    command: ["{root}/reviewer"]\n')
    card = {
        "task_id": "B-1", "goal": "bench", "in_scope": [], "out_of_scope": [], "acceptance_criteria": [],
        "constraints": [],
        "lanes": [{"lane_id": f"lane_{i}", "owner_paths": [f"lane_{i}.txt"]} for i in range(lanes)],
    }
    with open(os.path.join(repo, ".loop", "task_card.json"), "w") as f:
        json.dump(card, f)
    return root, repo


def one_run(loop, lanes, parallel):
    root, repo = make_repo(loop, lanes)
    try:
        start = time.monotonic()
        result = subprocess.run(
            [loop, "run", "--auto-dispatch", "--worker-backend", "bench-worker", "--reviewer-backend",
             "bench-reviewer", "--max-parallel-workers", str(parallel)],
            cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seconds = time.monotonic() - start
        if result.returncode != 0:
            raise SystemExit(f"loop run failed ({result.returncode}):\n{result.stdout}")
        return seconds
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loop", default=os.path.join(HERE, "..", "..", ".build", "debug", "loop"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    loop = os.path.abspath(args.loop)
    cases = [("one lane", 1, 1), ("two lanes, --max-parallel-workers 2", 2, 2),
             ("two lanes, --max-parallel-workers 1", 2, 1)]
    loads = [os.getloadavg()[0]]
    rows = []
    for name, lanes, parallel in cases:
        times = [one_run(loop, lanes, parallel) for _ in range(args.repeats)]
        loads.append(os.getloadavg()[0])
        rows.append({"case": name, "lanes": lanes, "parallel": parallel, "seconds": times,
                     "median_s": statistics.median(times)})
        print(f"{name}: median {statistics.median(times):.2f} s ({', '.join(f'{t:.2f}' for t in times)})")
    one = rows[0]["median_s"]
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, {platform.platform()}",
        "loop": loop, "repeats": args.repeats, "load1": loads, "rows": rows,
    }
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(result, f, indent=2)
    lines = [
        "# Lanes: two parallel lane workers vs one",
        "",
        f"- Date: {result['date']}. Machine: {result['machine']}.",
        f"- Binary: `{os.path.relpath(loop, os.path.join(HERE, '..', '..'))}`; {args.repeats} runs per case, medians.",
        f"- Load average (1 min) before and after each case: {', '.join(f'{l:.1f}' for l in loads)}"
        " (the machine is shared; wall times carry that noise).",
        "- Each lane worker is a scripted agent that sleeps 2 s, appends a line to its owner path and reports;"
        " the reviewer approves at once. One round, from `loop run` to approval.",
        "",
        "| case | median (s) | runs (s) | vs one lane |",
        "|---|---|---|---|",
    ]
    for row in rows:
        lines.append(f"| {row['case']} | {row['median_s']:.2f} | {', '.join(f'{t:.2f}' for t in row['seconds'])}"
                     f" | {row['median_s'] / one:.2f}x |")
    lines += ["", "Target (issue #12): two lanes at once finish the round in well under 2x the one-lane time.", ""]
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Review benchmark: what the built-in reviewer decides on KNOWN-correct and KNOWN-wrong changes.

For each task, one `loop run` round in a fresh copy of the task's repository: the worker is a
`command` backend that only applies a patch (the task's solution.patch, or a wrong variant of it:
the solution's added lines with their numbers changed), the PM commits and verifies as always,
and the reviewer is the built-in agent on the model server (OPENAI_BASE_URL). Records the review's
decision and the round's outcome. A false approval is an approved wrong patch.

  python3 bench/agent/review_bench.py [--tasks a,b] [--review-args=--full-review] [--out FILE]

Needs LOOP_BIN (or .build/release/loop), OPENAI_BASE_URL and the model name in LOOP_LOCAL_MODEL.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "tasks"))
import check_tasks  # noqa: E402

DEFAULT_TASKS = ["wrong-constant", "off-by-one", "wrong-return", "shell-exit-code"]


def wrong_patch(patch):
    """The solution with every number on its added lines changed (3600 → 3601, 0 → 1, -1 → -2):
    the same line, the same shape, the wrong value."""
    def bump(match):
        return str(int(match.group(0)) + (1 if int(match.group(0)) >= 0 else -1))
    out = []
    for line in patch.split("\n"):
        if line.startswith("+") and not line.startswith("+++"):
            line = "+" + re.sub(r"-?\d+", bump, line[1:])
        out.append(line)
    return "\n".join(out)


def run(task, patch_text, review_args, model, timeout):
    folder = os.path.join(HERE, "tasks", task)
    with open(os.path.join(folder, "task_card.json")) as f:
        card = json.load(f)
    scratch = tempfile.mkdtemp(prefix="loop-review-bench-")
    try:
        repo = check_tasks.make_repo(folder, os.path.join(scratch, "repo"))
        patch = os.path.join(scratch, "change.patch")
        with open(patch, "w") as f:
            f.write(patch_text)
        loop = os.environ.get("LOOP_BIN", os.path.join(ROOT, ".build", "release", "loop"))
        subprocess.run([loop, "init"], cwd=repo, check=True, capture_output=True)
        with open(os.path.join(repo, ".loop", "task_card.json"), "w") as f:
            json.dump(card, f, indent=2)
        with open(os.path.join(repo, ".loop", "config.yaml"), "a") as f:
            f.write("\n  patcher:\n    command: [\"git\", \"apply\", %s]\n    writes_report: false\n" % json.dumps(patch))
            if review_args:
                f.write("  openai:\n    args: [%s]\n" % ", ".join(json.dumps(a) for a in review_args))
        args = [loop, "run", "--auto-dispatch", "--worker-backend", "patcher", "--reviewer-backend", "openai",
                "--reviewer-model", model, "--max-rounds", "1"]
        env = dict(os.environ)
        env.setdefault("OPENAI_API_KEY", "x")
        started = time.time()
        try:
            proc = subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=timeout)
            code = proc.returncode
        except subprocess.TimeoutExpired:
            code = "timeout after %d s" % timeout
        wall = time.time() - started
        outcome, review = {}, {}
        path = os.path.join(repo, ".loop", "outcome.json")
        if os.path.exists(path):
            with open(path) as f:
                outcome = json.load(f)
        archived = sorted(
            os.path.join(d, n) for d, _, names in os.walk(os.path.join(repo, ".loop", "archive"))
            for n in names if n.endswith("review_report.json"))
        if archived:
            with open(archived[-1]) as f:
                review = json.load(f)
        return {
            "exit_code": code, "wall_s": round(wall, 1), "result": outcome.get("result"),
            "decision": review.get("decision"), "summary": (review.get("summary") or "")[:240],
            "blocking": [i.get("reason", "")[:160] for i in review.get("blocking_issues", [])][:2],
            "stopped_reason": review.get("stopped_reason"),
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", default=",".join(DEFAULT_TASKS))
    parser.add_argument("--review-args", default="", help="extra loop-agent arguments for the reviewer, e.g. --review-args=--full-review")
    parser.add_argument("--kinds", default="correct,wrong")
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--out", default=os.path.join(HERE, "review_results.json"))
    options = parser.parse_args()
    model = os.environ.get("LOOP_LOCAL_MODEL", "smollm2-135m")
    rows = []
    for task in options.tasks.split(","):
        with open(os.path.join(HERE, "tasks", task, "solution.patch")) as f:
            solution = f.read()
        for kind in options.kinds.split(","):
            text = solution if kind == "correct" else wrong_patch(solution)
            row = dict(task=task, kind=kind, review_args=options.review_args)
            row.update(run(task, text, options.review_args.split(), model, options.timeout))
            rows.append(row)
            print("[review] %-16s %-7s %-16s %-20s %5.1f s  %s" % (
                task, kind, row["decision"], row["result"], row["wall_s"], row["summary"][:90]), flush=True)
    existing = []
    if os.path.exists(options.out):
        with open(options.out) as f:
            existing = json.load(f)
    with open(options.out, "w") as f:
        json.dump(existing + rows, f, indent=1)
    false_approvals = sum(1 for r in rows if r["kind"] == "wrong" and r["result"] == "approved")
    print("[review] approved: correct %d/%d, wrong %d/%d (false approvals)" % (
        sum(1 for r in rows if r["kind"] == "correct" and r["result"] == "approved"),
        sum(1 for r in rows if r["kind"] == "correct"), false_approvals, sum(1 for r in rows if r["kind"] == "wrong")))


if __name__ == "__main__":
    main()

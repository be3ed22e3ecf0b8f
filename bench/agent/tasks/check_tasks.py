#!/usr/bin/env python3
"""Checks the benchmark task set in bench/agent/tasks/ (stdlib only).

Every folder here that holds a `task_card.json` is one task: a tiny repository (the project
files and their tests), the task card in loop's format, and `solution.patch`, a reference
solution that is never copied into the repository an agent works on.

For every task this script:

1. checks the card: the keys loop reads, `task_id` equal to the folder name, non-empty
   `verify`, `max_rounds` 3, a `solution.patch`, project files of at most MAX_LINES lines;
2. copies the task (without `solution.patch` and `task_card.json`) to a temp folder,
   `git init` + commit, and runs every verify command: **each must fail**;
3. applies `solution.patch` with `git apply`: **every verify command must pass**;
4. deletes the card's `out_of_scope` files (the tests) from the solved tree: **some verify
   command must fail again**, so verify cannot be passed by deleting the tests.

Prints a table and exits 1 on any violation. Usage:

    python3 bench/agent/tasks/check_tasks.py [--tasks a,b] [--json]

`task_bench.py` imports the helpers below (load_tasks, make_repo, run_verify).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

TASKS_DIR = os.path.dirname(os.path.abspath(__file__))
CARD_KEYS = ("task_id", "goal", "in_scope", "out_of_scope", "acceptance_criteria", "constraints", "verify", "max_rounds")
# Files of the task folder that are benchmark material, never part of the task repository.
NOT_IN_REPO = ("solution.patch", "task_card.json")
MAX_LINES = 40
VERIFY_TIMEOUT = 120
GIT_ID = ["-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "commit.gpgsign=false"]


def load_tasks(names=None):
    """Returns [(name, folder, card)] for the tasks here, sorted by name; `names` limits the set
    (an unknown name raises ValueError)."""
    found = {}
    for entry in sorted(os.listdir(TASKS_DIR)):
        folder = os.path.join(TASKS_DIR, entry)
        card_path = os.path.join(folder, "task_card.json")
        if os.path.isfile(card_path):
            with open(card_path) as f:
                found[entry] = (entry, folder, json.load(f))
    if names:
        unknown = [n for n in names if n not in found]
        if unknown:
            raise ValueError("unknown task(s): %s (known: %s)" % (", ".join(unknown), ", ".join(found)))
        return [found[n] for n in names]
    return list(found.values())


def load_kinds():
    """The kind of each task (kinds.json), for reports."""
    path = os.path.join(TASKS_DIR, "kinds.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def git(args, cwd):
    """Runs git quietly; raises on failure with git's own message."""
    proc = subprocess.run(["git"] + GIT_ID + args, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("git %s failed in %s: %s" % (" ".join(args), cwd, proc.stderr.strip()))
    return proc.stdout


def make_repo(folder, dest):
    """Copies the task's project files (not solution.patch nor task_card.json) to `dest`
    (which must not exist), and makes it a git repository with one commit on `main`."""
    shutil.copytree(folder, dest, ignore=shutil.ignore_patterns(*NOT_IN_REPO, "__pycache__", ".pytest_cache"))
    git(["init", "-q", "-b", "main"], dest)
    git(["add", "-A"], dest)
    git(["commit", "-qm", "task"], dest)
    return dest


def run_verify(repo, commands, timeout=VERIFY_TIMEOUT):
    """Runs each verify command as loop does (`bash -c`, in the repository) and returns
    [{"command", "exit_code", "passed", "output"}]; output is the last 2,000 characters.
    A timeout counts as a failure (exit_code None)."""
    results = []
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for command in commands:
        try:
            proc = subprocess.run(["bash", "-c", command], cwd=repo, capture_output=True, text=True,
                                  timeout=timeout, env=env, stdin=subprocess.DEVNULL)
            code, output = proc.returncode, (proc.stdout + proc.stderr)
        except subprocess.TimeoutExpired as e:
            code, output = None, "timed out after %d s\n%s" % (timeout, e.stdout or "")
        results.append({"command": command, "exit_code": code, "passed": code == 0, "output": output[-2000:]})
    return results


def project_files(folder):
    """The task's project files (relative paths), without benchmark material."""
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".pytest_cache")]
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), folder)
            if rel not in NOT_IN_REPO and rel != ".gitignore":
                out.append(rel)
    return sorted(out)


def card_problems(name, folder, card):
    """Static problems with a task's card and files."""
    problems = []
    for key in CARD_KEYS:
        if key not in card:
            problems.append("card has no %s" % key)
    if card.get("task_id") != name:
        problems.append("task_id %r is not the folder name" % card.get("task_id"))
    if not card.get("verify"):
        problems.append("verify is empty")
    if card.get("max_rounds") != 3:
        problems.append("max_rounds is not 3")
    if not os.path.isfile(os.path.join(folder, "solution.patch")):
        problems.append("no solution.patch")
    files = project_files(folder)
    if not 1 <= len(files) <= 4:
        problems.append("%d project files (want 1-3 plus tests)" % len(files))
    for rel in files:
        with open(os.path.join(folder, rel)) as f:
            lines = sum(1 for _ in f)
        if lines > MAX_LINES:
            problems.append("%s has %d lines (> %d)" % (rel, lines, MAX_LINES))
    for rel in card.get("out_of_scope", []):
        if not os.path.exists(os.path.join(folder, rel)):
            problems.append("out_of_scope file %s does not exist" % rel)
    return problems


def check_task(name, folder, card):
    """Runs the three checks for one task; returns a result row with `problems`."""
    row = {"task": name, "problems": card_problems(name, folder, card), "before": "-", "solved": "-", "tests_deleted": "-"}
    if not card.get("verify"):
        return row
    tmp = tempfile.mkdtemp(prefix="loop-task-check-")
    try:
        repo = make_repo(folder, os.path.join(tmp, "repo"))
        before = run_verify(repo, card["verify"])
        row["before"] = "%d/%d fail" % (sum(not r["passed"] for r in before), len(before))
        for r in before:
            if r["passed"]:
                row["problems"].append("passes before the fix: %s" % r["command"])
        patch = os.path.join(folder, "solution.patch")
        if os.path.isfile(patch):
            git(["apply", "--whitespace=nowarn", patch], repo)
            after = run_verify(repo, card["verify"])
            row["solved"] = "%d/%d pass" % (sum(r["passed"] for r in after), len(after))
            for r in after:
                if not r["passed"]:
                    row["problems"].append("fails with solution.patch: %s\n%s" % (r["command"], r["output"][-600:]))
            for rel in card.get("out_of_scope", []):
                path = os.path.join(repo, rel)
                if os.path.exists(path):
                    os.remove(path)
            deleted = run_verify(repo, card["verify"])
            row["tests_deleted"] = "%d/%d fail" % (sum(not r["passed"] for r in deleted), len(deleted))
            if all(r["passed"] for r in deleted):
                row["problems"].append("verify still passes with the out_of_scope files (tests) deleted")
    except Exception as e:  # a broken task is a violation, not a crash of the whole check
        row["problems"].append("error: %s" % e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", help="comma-separated task names (default: all)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    tasks = load_tasks([t for t in args.tasks.split(",") if t] if args.tasks else None)
    rows = [check_task(*t) for t in tasks]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print("%-20s %-11s %-13s %-13s %s" % ("task", "unmodified", "solution", "tests deleted", "result"))
        for r in rows:
            print("%-20s %-11s %-13s %-13s %s" % (r["task"], r["before"], r["solved"], r["tests_deleted"],
                                                  "ok" if not r["problems"] else "VIOLATION"))
        for r in rows:
            for p in r["problems"]:
                print("  %s: %s" % (r["task"], p))
        bad = sum(1 for r in rows if r["problems"])
        print("%d task(s), %d with violations" % (len(rows), bad))
    sys.exit(1 if any(r["problems"] for r in rows) else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The task benchmark: `loop` side by side with one-shot agents on tiny tasks (stdlib only).

For every task in bench/agent/tasks/ (see tasks/check_tasks.py) and every configuration, in
one run and against the same OpenAI-compatible server (llama.cpp's llama-server) and model:

- `loop`           built-in worker and reviewer, 3 rounds: `loop init`, the card copied to
                   .loop/task_card.json, `loop run --auto-dispatch --worker-backend openai
                   --reviewer-backend openai --worker-model M --reviewer-model M --max-rounds 3`;
- `loop-noverify`  the same with the card's `verify` removed: the PM runs no verify command,
                   approval is the reviewer's judgement alone;
- `aider`          aider (PyPI aider-chat) one-shot: whole-file edits, one --message;
- `mini`           mini-swe-agent (PyPI mini-swe-agent) one-shot: `mini -y --exit-immediately`
                   with its text-based (no tool calling) config.

Each run gets a fresh temp git repository made from the task (never `solution.patch`, never
`task_card.json`: the card reaches loop through .loop/task_card.json and the one-shot agents
through their message). SOLVED is decided by the runner alone: after the agent, the tree the
agent left (loop: its task worktree) is copied fresh, the card's `out_of_scope` files (the
tests) are put back as they were, and the task's own verify commands run there; an agent's
claim never counts. FALSE APPROVAL = loop ended approved but that verify fails.

Recorded per run: exit code, result, rounds, steps (model calls), tokens, wall time, solved,
false approval, out-of-scope files the agent changed, the last lines of its output. Writes
<out>/tasks_results.json and <out>/TASKS.md (default out: bench/agent) after every run, and
each run's full output to bench/out/tasks/<config>/<task>.log.

Server: OPENAI_BASE_URL, model from --model or LOOP_LOCAL_MODEL (default smollm2-135m); when
OPENAI_BASE_URL is unset it starts `scripts/local-model start` (and stops it at the end).
loop: LOOP_BIN or .build/release/loop (scripts/bench --tasks builds it first). aider and
mini-swe-agent are installed into bench/.venv-agents when missing; an agent that cannot be
installed is reported as "not run: <reason>", never as 0 solved.

    python3 bench/agent/task_bench.py [--tasks a,b] [--configs loop,loop-noverify,aider,mini]
        [--model M] [--timeout 900] [--out DIR] [--dry-run]

--dry-run starts nothing and calls no model: it makes every task repository, checks that the
task's verify fails there (the judge path), and prints the exact commands it would run.
"""
import argparse
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, "tasks"))
sys.dont_write_bytecode = True  # no __pycache__ in bench/agent/tasks
import check_tasks  # noqa: E402  (the task helpers: load_tasks, make_repo, run_verify)

CONFIGS = ["loop", "loop-noverify", "aider", "mini"]
VENV = os.path.join(ROOT, "bench", ".venv-agents")
# Pinned so that a re-run measures the same agents.
AGENT_PACKAGES = {"aider": "aider-chat==0.86.2", "mini": "mini-swe-agent==2.4.6"}
LOG_DIR = os.path.join(ROOT, "bench", "out", "tasks")
MINI_STEP_LIMIT = 30
TAIL_LINES = 12


# ---------------------------------------------------------------------------------------------
# Setup: model server, loop binary, agent venv


def loop_binary():
    """The loop binary to measure (LOOP_BIN or the release build)."""
    return os.environ.get("LOOP_BIN", os.path.join(ROOT, ".build", "release", "loop"))


def server(model_arg, dry_run):
    """Returns (base_url, model, started_here). Starts scripts/local-model when OPENAI_BASE_URL
    is unset (never in a dry run)."""
    model = model_arg or os.environ.get("LOOP_LOCAL_MODEL") or "smollm2-135m"
    base = os.environ.get("OPENAI_BASE_URL")
    if base:
        return base, model, False
    if dry_run:  # a placeholder: a real run starts scripts/local-model and uses its port
        return "http://127.0.0.1:PORT/v1", model, False
    out = subprocess.run([os.path.join(ROOT, "scripts", "local-model"), "start"], check=True,
                         capture_output=True, text=True).stdout
    env = dict(line.split(" ", 1)[1].split("=", 1) for line in out.splitlines() if line.startswith("export "))
    return env["OPENAI_BASE_URL"], model_arg or env.get("LOOP_LOCAL_MODEL", model), True


def preflight(base, model):
    """None when the server answers GET <base>/models, else why not. Warns when the model is not
    among the server's models (llama-server serves one model under any name)."""
    request = urllib.request.Request(base.rstrip("/") + "/models")
    if os.environ.get("OPENAI_API_KEY"):
        request.add_header("Authorization", "Bearer " + os.environ["OPENAI_API_KEY"])
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            ids = [m.get("id") for m in json.load(response).get("data", [])]
    except Exception as e:  # any failure here means no run can be measured
        return "%s/models: %s" % (base.rstrip("/"), e)
    if ids and model not in ids:
        print("[tasks] note: %s is not among the server's models %s" % (model, ids), file=sys.stderr)
    return None


def agent_path(name):
    """Path of an agent's executable in the venv."""
    return os.path.join(VENV, "bin", "aider" if name == "aider" else "mini")


def ensure_agents(wanted, dry_run):
    """Installs aider-chat / mini-swe-agent into bench/.venv-agents when missing. Returns
    {config: None (ready) | "reason it cannot run"}."""
    status = {}
    missing = [c for c in wanted if not os.access(agent_path(c), os.X_OK)]
    if missing and not dry_run:
        try:
            if not os.path.exists(os.path.join(VENV, "bin", "pip")):
                subprocess.run([sys.executable, "-m", "venv", VENV], check=True, capture_output=True, text=True)
            print("[tasks] installing %s into %s" % (" ".join(AGENT_PACKAGES[c] for c in missing), VENV), file=sys.stderr)
            proc = subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q", "--disable-pip-version-check"]
                                  + [AGENT_PACKAGES[c] for c in missing], capture_output=True, text=True, timeout=1800)
            if proc.returncode != 0:
                reason = "pip install failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
                for c in missing:
                    status[c] = reason
        except (subprocess.SubprocessError, OSError) as e:
            for c in missing:
                status[c] = "could not make %s: %s" % (VENV, e)
    for c in wanted:
        if c not in status and not os.access(agent_path(c), os.X_OK):
            status[c] = ("not installed (a real run installs %s into %s)" % (AGENT_PACKAGES[c], VENV)
                         if dry_run else "%s missing after pip install" % agent_path(c))
        status.setdefault(c, None)
    return status


# ---------------------------------------------------------------------------------------------
# Running one agent


def task_message(card):
    """The one-shot agents' instruction: goal, acceptance criteria, constraints, files."""
    lines = [card["goal"], "", "Acceptance criteria:"]
    lines += ["- " + c for c in card.get("acceptance_criteria", [])]
    if card.get("constraints"):
        lines += ["", "Constraints:"] + ["- " + c for c in card["constraints"]]
    lines += ["", "Files to change: " + ", ".join(card.get("in_scope", []))]
    return "\n".join(lines)


def run_process(args, cwd, env, timeout, log_path):
    """Runs one agent in its own process group, output to log_path; on timeout the whole group
    gets SIGTERM, then SIGKILL. Returns (exit_code or None, timed_out, wall_s, output)."""
    start = time.monotonic()
    with open(log_path, "w") as log:
        log.write("$ (cd %s && %s)\n" % (cwd, shlex.join(args)))
        log.flush()
        proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
    wall = time.monotonic() - start
    with open(log_path, errors="replace") as f:
        output = f.read()
    return (None if timed_out else proc.returncode), timed_out, wall, output


def judge(folder, card, workdir, scratch):
    """SOLVED: copies the tree the agent left into a fresh folder, restores the out_of_scope
    files from the task, and runs the task's verify commands there. Returns (solved, verify
    results, out_of_scope files the agent had changed)."""
    fresh = os.path.join(scratch, "judge")
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(workdir, fresh, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".loop", "__pycache__", ".pytest_cache", ".aider*"))
    tampered = []
    for rel in card.get("out_of_scope", []):
        original, copy = os.path.join(folder, rel), os.path.join(fresh, rel)
        with open(original, "rb") as f:
            want = f.read()
        have = None
        if os.path.isfile(copy):
            with open(copy, "rb") as f:
                have = f.read()
        if have != want:
            tampered.append(rel)
            os.makedirs(os.path.dirname(copy) or fresh, exist_ok=True)
            shutil.copy2(original, copy)
    results = check_tasks.run_verify(fresh, card["verify"])
    shutil.rmtree(fresh, ignore_errors=True)
    return all(r["passed"] for r in results), results, tampered


def read_jsonl(path):
    """The JSON objects of a .jsonl file (torn lines skipped)."""
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass
    return rows


def plan(config, card, repo, scratch, base, model, timeout):
    """The exact commands for one run: [(args, env additions)], the loop ones in order."""
    key_env = {} if os.environ.get("OPENAI_API_KEY") else {"OPENAI_API_KEY": "x"}
    if config in ("loop", "loop-noverify"):
        loop = loop_binary()
        args = [loop, "run", "--auto-dispatch", "--worker-backend", "openai", "--reviewer-backend", "openai",
                "--worker-model", model, "--reviewer-model", model, "--max-rounds", "3",
                # A clean stop (outcome.json written) before the runner's hard timeout.
                "--max-duration", str(max(60, timeout - 60))]
        if shutil.which("bwrap") is None:
            args.append("--unsafe-shell")
        return [([loop, "init"], {}), (args, {"OPENAI_BASE_URL": base})]
    message = task_message(card)
    if config == "aider":
        args = [agent_path("aider"), "--model", "openai/" + model, "--openai-api-base", base]
        if not os.environ.get("OPENAI_API_KEY"):
            args += ["--openai-api-key", "x"]
        args += ["--edit-format", "whole", "--yes-always", "--no-auto-commits", "--no-dirty-commits", "--no-git",
                 "--no-gitignore", "--no-check-update", "--no-show-model-warnings", "--no-analytics", "--no-stream",
                 "--no-pretty", "--no-fancy-input", "--no-detect-urls", "--no-suggest-shell-commands",
                 "--no-auto-lint", "--map-tokens", "0", "--no-restore-chat-history",
                 "--chat-history-file", os.path.join(scratch, "aider.chat.md"),
                 "--input-history-file", os.path.join(scratch, "aider.input"),
                 "--timeout", str(timeout), "--message", message]
        for rel in card.get("out_of_scope", []):
            if os.path.exists(os.path.join(repo, rel)):
                args += ["--read", rel]
        args += card.get("in_scope", [])
        return [(args, {"LITELLM_LOCAL_MODEL_COST_MAP": "True"})]
    if config == "mini":
        args = [agent_path("mini"), "-y", "--exit-immediately", "-m", "openai/" + model,
                "--model-class", "litellm_textbased", "-c", "mini_textbased.yaml",
                "-c", "model.model_kwargs.api_base=" + base, "-c", "agent.step_limit=%d" % MINI_STEP_LIMIT,
                "-c", "agent.wall_time_limit_seconds=%d" % max(60, timeout - 30), "-l", "0",
                "-o", os.path.join(scratch, "mini.traj.json"), "-t", message]
        env = {"MSWEA_CONFIGURED": "true", "MSWEA_COST_TRACKING": "ignore_errors",
               "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
        env.update(key_env)
        return [(args, env)]
    raise ValueError("unknown config %s" % config)


def tokens_from_aider(output):
    """(calls, prompt, completion) from aider's `Tokens: 1.2k sent, ..., 345 received.` lines."""
    def number(text):
        text = text.replace(",", "")
        scale = {"k": 1e3, "M": 1e6}.get(text[-1:], 1)
        return int(float(text.rstrip("kM")) * scale)
    calls = prompt = completion = 0
    for m in re.finditer(r"Tokens: ([\d.,]+[kM]?) sent.*? ([\d.,]+[kM]?) received", output):
        calls += 1
        prompt += number(m.group(1))
        completion += number(m.group(2))
    return calls, prompt, completion


def tokens_from_mini(traj_path):
    """(calls, prompt, completion, exit_status) from a mini-swe-agent trajectory file."""
    if not os.path.exists(traj_path):
        return 0, 0, 0, None
    with open(traj_path) as f:
        traj = json.load(f)
    calls = prompt = completion = 0
    for message in traj.get("messages", []):
        response = (message.get("extra") or {}).get("response")
        if isinstance(response, dict):
            calls += 1
            usage = response.get("usage") or {}
            prompt += usage.get("prompt_tokens") or 0
            completion += usage.get("completion_tokens") or 0
    info = traj.get("info", {})
    calls = calls or (info.get("model_stats") or {}).get("api_calls", 0)
    return calls, prompt, completion, info.get("exit_status")


def run_one(task, config, base, model, timeout, log_dir):
    """Runs one configuration on one task; returns its result row."""
    name, folder, card = task
    row = {"task": name, "config": config, "status": "ran"}
    scratch = tempfile.mkdtemp(prefix="loop-task-bench-")
    try:
        repo = check_tasks.make_repo(folder, os.path.join(scratch, "repo"))
        steps = plan(config, card, repo, scratch, base, model, timeout)
        env = dict(os.environ)
        os.makedirs(os.path.join(log_dir, config), exist_ok=True)
        log_path = os.path.join(log_dir, config, name + ".log")
        workdir = repo
        if config.startswith("loop"):
            init = subprocess.run(steps[0][0], cwd=repo, capture_output=True, text=True)
            if init.returncode != 0:
                raise RuntimeError("loop init failed: " + (init.stderr or init.stdout).strip()[-300:])
            loop_card = dict(card)
            if config == "loop-noverify":
                loop_card.pop("verify", None)
            with open(os.path.join(repo, ".loop", "task_card.json"), "w") as f:
                json.dump(loop_card, f, indent=2)
            # The built-in agent's own tuning (LOOP_AGENT_ARGS, default a 10-step worker turn),
            # appended to the `backends:` map `loop init` wrote, as a user would.
            agent_args = shlex.split(os.environ.get("LOOP_AGENT_ARGS", "--max-steps 10"))
            if agent_args:
                with open(os.path.join(repo, ".loop", "config.yaml"), "a") as f:
                    f.write("\n  openai:\n    args: [%s]\n" % ", ".join(json.dumps(a) for a in agent_args))
            args, extra = steps[1]
        else:
            args, extra = steps[0]
        env.update(extra)
        code, timed_out, wall, output = run_process(args, repo, env, timeout, log_path)
        row.update(exit_code=code, timed_out=timed_out, wall_s=round(wall, 1), log=os.path.relpath(log_path, ROOT))
        plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output)
        tail = [l for l in plain.splitlines() if l.strip()][-TAIL_LINES:]
        if config.startswith("loop"):
            outcome = {}
            outcome_path = os.path.join(repo, ".loop", "outcome.json")
            if os.path.exists(outcome_path):
                with open(outcome_path) as f:
                    outcome = json.load(f)
            # Model calls are the built-in agent's lines (source "agent", one per step); the PM also
            # writes one "cli" line per dispatch, without tokens for the built-in backends.
            usage = read_jsonl(os.path.join(repo, ".loop", "usage.jsonl"))
            calls = [u for u in usage if u.get("source") == "agent"]
            row.update(result=outcome.get("result") or ("timeout" if timed_out else "no outcome.json"),
                       reason=outcome.get("reason"), rounds=outcome.get("rounds"),
                       approved=outcome.get("result") == "approved" and code == 0,
                       steps=sum(1 for u in calls if u.get("role") == "worker"),
                       reviewer_calls=sum(1 for u in calls if u.get("role") == "reviewer"),
                       prompt_tokens=sum(int(u.get("prompt_tokens") or 0) for u in usage),
                       completion_tokens=sum(int(u.get("completion_tokens") or 0) for u in usage))
            wd = outcome.get("workdir")
            if wd and not os.path.isabs(wd):
                wd = os.path.join(repo, wd)
            fallback = os.path.join(repo, ".loop", "worktrees", card["task_id"])
            workdir = wd if wd and os.path.isdir(wd) else (fallback if os.path.isdir(fallback) else repo)
        elif config == "aider":
            calls, prompt, completion = tokens_from_aider(output)
            row.update(result="timeout" if timed_out else "exit %s" % code, rounds=1, steps=calls,
                       prompt_tokens=prompt, completion_tokens=completion)
        else:
            calls, prompt, completion, status = tokens_from_mini(os.path.join(scratch, "mini.traj.json"))
            row.update(result="timeout" if timed_out else (status or "exit %s" % code), rounds=1, steps=calls,
                       prompt_tokens=prompt, completion_tokens=completion)
        solved, verify, tampered = judge(folder, card, workdir, scratch)
        row.update(solved=solved, tampered=tampered, verify=[{k: r[k] for k in ("command", "exit_code", "passed")}
                                                            for r in verify])
        row["false_approval"] = bool(row.get("approved")) and not solved if config.startswith("loop") else None
        row["tail"] = tail
        if not solved:
            failed = next((r for r in verify if not r["passed"]), None)
            if failed:
                row["verify_tail"] = [l for l in failed["output"].splitlines() if l.strip()][-6:]
    except Exception as e:  # the benchmark goes on; the row says what broke
        row.update(status="error", reason="%s: %s" % (type(e).__name__, e), solved=False, false_approval=None)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return row


# ---------------------------------------------------------------------------------------------
# Report


def totals(rows, configs, n_tasks):
    """Per configuration: solved, runs, rounds, steps, tokens, wall time, false approvals."""
    out = {}
    for c in configs:
        mine = [r for r in rows if r["config"] == c]
        ran = [r for r in mine if r["status"] == "ran"]
        out[c] = {
            "tasks": n_tasks, "ran": len(ran), "not_run": sum(1 for r in mine if r["status"] == "not run"),
            "errors": sum(1 for r in mine if r["status"] == "error"),
            "solved": sum(1 for r in ran if r.get("solved")),
            "solved_share": (sum(1 for r in ran if r.get("solved")) / len(ran)) if ran else None,
            "approved": sum(1 for r in ran if r.get("approved")),
            "false_approvals": sum(1 for r in ran if r.get("false_approval")),
            "rounds": sum(r.get("rounds") or 0 for r in ran), "steps": sum(r.get("steps") or 0 for r in ran),
            "prompt_tokens": sum(r.get("prompt_tokens") or 0 for r in ran),
            "completion_tokens": sum(r.get("completion_tokens") or 0 for r in ran),
            "wall_s": round(sum(r.get("wall_s") or 0 for r in ran), 1),
            "not_run_reason": next((r.get("reason") for r in mine if r["status"] == "not run"), None),
        }
    return out


def cell(r):
    """One table cell: solved mark, rounds, steps, tokens, wall time."""
    if r is None:
        return "-"
    if r["status"] == "not run":
        return "not run"
    if r["status"] == "error":
        return "error"
    mark = "**solved**" if r.get("solved") else "no"
    if r.get("false_approval"):
        mark += " FALSE APPROVAL"
    tokens = (r.get("prompt_tokens") or 0) + (r.get("completion_tokens") or 0)
    return "%s · %s r · %s st · %s tok · %.0f s" % (mark, r.get("rounds") if r.get("rounds") is not None else "?",
                                                    r.get("steps", 0), tokens, r.get("wall_s") or 0)


def write_report(doc, path):
    """TASKS.md: summary per configuration, the task x configuration table, the failures."""
    configs, rows, kinds = doc["configs"], doc["runs"], check_tasks.load_kinds()
    tasks = doc["tasks"]
    lines = ["# Task benchmark: loop vs one-shot agents on tiny tasks", "",
             "- Date: %s UTC; machine: %s, %d CPUs; model `%s` at %s (one server for every configuration)." % (
                 doc["date"], doc["machine"]["platform"], doc["machine"]["cpus"], doc["model"], doc["server"]),
             "- %d tasks (bench/agent/tasks, checked by tasks/check_tasks.py); timeout %d s per agent run%s." % (
                 len(tasks), doc["timeout_s"], "; **DRY RUN: no agent was run**" if doc.get("dry_run") else ""),
             "- SOLVED = the task's own verify commands pass in a fresh copy of the tree the agent left, with the",
             "  tests (out_of_scope files) restored; FALSE APPROVAL = loop ended approved but that verify fails.",
             "- Configurations: `loop` (built-in worker + reviewer, 3 rounds, PM runs verify), `loop-noverify`",
             "  (the card without `verify`: the reviewer's judgement alone), `aider` (one-shot, whole-file edits),",
             "  `mini` (mini-swe-agent one-shot, text-based actions, %d steps at most)." % MINI_STEP_LIMIT, "",
             "| config | solved | share | false approvals | approved | rounds | steps | tokens (prompt + completion) | wall (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for c in configs:
        t = doc["totals"][c]
        if t["ran"] == 0 and t["not_run"]:
            lines.append("| %s | not run: %s | | | | | | | |" % (c, t["not_run_reason"]))
            continue
        share = "-" if t["solved_share"] is None else "%.0f %%" % (100 * t["solved_share"])
        approvals = str(t["approved"]) if c.startswith("loop") else "n/a"
        false = str(t["false_approvals"]) if c.startswith("loop") else "n/a"
        lines.append("| %s | %d / %d%s | %s | %s | %s | %d | %d | %d + %d | %.0f |" % (
            c, t["solved"], t["ran"], " (%d not run, %d errors)" % (t["not_run"], t["errors"])
            if t["not_run"] or t["errors"] else "", share, false, approvals, t["rounds"], t["steps"],
            t["prompt_tokens"], t["completion_tokens"], t["wall_s"]))
    lines += ["", "Per task (solved · rounds · worker steps (model calls) · tokens · wall time):", "",
              "| task | kind | " + " | ".join(configs) + " |", "|---|---|" + "---|" * len(configs)]
    index = {(r["task"], r["config"]): r for r in rows}
    for name in tasks:
        lines.append("| %s | %s | %s |" % (name, kinds.get(name, ""), " | ".join(cell(index.get((name, c))) for c in configs)))
    lines += ["", "## What the failures look like", ""]
    failures = [r for r in rows if r["status"] != "not run" and not r.get("solved")]
    if not failures:
        lines.append("No failed run." if not doc.get("dry_run") else "Dry run: nothing was run.")
    for r in failures:
        head = "**%s / %s**: %s" % (r["task"], r["config"], r.get("result") or r.get("status"))
        if r.get("reason"):
            head += " — %s" % r["reason"]
        if r.get("false_approval"):
            head += " — **FALSE APPROVAL**"
        if r.get("tampered"):
            head += " — changed out-of-scope files: %s" % ", ".join(r["tampered"])
        lines += [head, ""]
        if r.get("tail") or r.get("verify_tail"):
            lines.append("```")
            lines += ["%s" % l[:200] for l in r.get("tail", [])]
            if r.get("verify_tail"):
                lines += ["--- verify (run by the benchmark) ---"] + [l[:200] for l in r["verify_tail"]]
            lines += ["```", ""]
    lines += ["Reproduce: `scripts/bench --tasks` (builds loop in release first) or",
              "`python3 bench/agent/task_bench.py [--tasks a,b] [--configs ...] [--model M] [--timeout S]`;",
              "full logs of each run in bench/out/tasks/<config>/<task>.log."]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def save(doc, out_dir):
    """Writes tasks_results.json and TASKS.md (after every run, so a stopped run keeps its rows)."""
    doc["totals"] = totals(doc["runs"], doc["configs"], len(doc["tasks"]))
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "tasks_results.json"), "w") as f:
        json.dump(doc, f, indent=2)
    write_report(doc, os.path.join(out_dir, "TASKS.md"))


# ---------------------------------------------------------------------------------------------


def dry_run(tasks, configs, base, model, timeout, status):
    """Makes each task repository, runs its verify there (must fail: the judge sees an unsolved
    task) and prints the exact commands each configuration would run. Returns 1 on a problem."""
    problems = 0
    print("dry run: model %s at %s, loop %s%s" % (model, base, loop_binary(),
                                                  "" if os.access(loop_binary(), os.X_OK) else " (not built)"))
    for c in configs:
        if status.get(c):
            print("  %s: %s" % (c, status[c]))
    for task in tasks:
        name, folder, card = task
        scratch = tempfile.mkdtemp(prefix="loop-task-bench-")
        try:
            repo = check_tasks.make_repo(folder, os.path.join(scratch, "repo"))
            files = sorted(p for p in os.listdir(repo) if p != ".git")
            solved, verify, tampered = judge(folder, card, repo, scratch)
            print("\n== %s: repo %s, judge on the unmodified repo: %s" % (
                name, files, "SOLVED (problem: verify passes unmodified)" if solved else "not solved (as it must be)"))
            problems += bool(solved) + bool(tampered) + any(f in files for f in check_tasks.NOT_IN_REPO)
            for c in configs:
                for args, extra in plan(c, card, repo, scratch, base, model, timeout):
                    envs = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in sorted(extra.items()))
                    print("  [%s] (cd <repo> && %s%s)" % (c, envs + " " if envs else "", shlex.join(args).replace(scratch, "<tmp>")))
                if c.startswith("loop"):
                    print("  [%s] then: .loop/task_card.json = the card%s" % (c, " without verify" if c == "loop-noverify" else ""))
            print("  [judge] %s" % " ; ".join(card["verify"]))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    print("\ndry run: %d task(s) x %d config(s), %s" % (len(tasks), len(configs), "ok" if not problems else "%d problem(s)" % problems))
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", help="comma-separated task names (default: all)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated, from %s" % ",".join(CONFIGS))
    parser.add_argument("--model", help="model name on the server (default: LOOP_LOCAL_MODEL or smollm2-135m)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per agent run (default 900)")
    parser.add_argument("--out", default=HERE, help="folder for tasks_results.json and TASKS.md (default bench/agent)")
    parser.add_argument("--dry-run", action="store_true", help="run nothing; make the repos and print the commands")
    args = parser.parse_args()
    configs = [c for c in args.configs.split(",") if c]
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        parser.error("unknown config(s): %s (known: %s)" % (", ".join(unknown), ", ".join(CONFIGS)))
    try:
        tasks = check_tasks.load_tasks([t for t in args.tasks.split(",") if t] if args.tasks else None)
    except ValueError as e:
        parser.error(str(e))

    status = {c: None for c in configs}
    for c in configs:
        if c.startswith("loop") and not os.access(loop_binary(), os.X_OK):
            status[c] = "no loop binary at %s (scripts/bench --tasks builds it; or set LOOP_BIN)" % loop_binary()
    status.update(ensure_agents([c for c in configs if c in ("aider", "mini")], args.dry_run))
    base, model, started = server(args.model, args.dry_run)
    if args.dry_run:
        sys.exit(dry_run(tasks, configs, base, model, args.timeout, status))

    problem = preflight(base, model)
    if problem:
        if started:
            subprocess.run([os.path.join(ROOT, "scripts", "local-model"), "stop"], capture_output=True)
        print("[tasks] the model server does not answer, nothing measured: %s" % problem, file=sys.stderr)
        sys.exit(2)
    doc = {"date": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
           "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
           "model": model, "server": base, "configs": configs, "timeout_s": args.timeout,
           "tasks": [t[0] for t in tasks], "runs": []}
    print("[tasks] %d tasks x %s, model %s at %s" % (len(tasks), ",".join(configs), model, base), file=sys.stderr)
    try:
        for task in tasks:
            for c in configs:
                if status[c]:
                    row = {"task": task[0], "config": c, "status": "not run", "reason": status[c], "solved": False}
                else:
                    row = run_one(task, c, base, model, args.timeout, LOG_DIR)
                doc["runs"].append(row)
                save(doc, args.out)
                print("[tasks] %-18s %-14s %s" % (task[0], c, cell(row) if row["status"] == "ran"
                                                   else "%s: %s" % (row["status"], row.get("reason"))), file=sys.stderr)
    finally:
        if started:
            subprocess.run([os.path.join(ROOT, "scripts", "local-model"), "stop"], capture_output=True)
    print(open(os.path.join(args.out, "TASKS.md")).read())


if __name__ == "__main__":
    main()

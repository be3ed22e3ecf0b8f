#!/usr/bin/env python3
"""Part B of the benchmark: the built-in agent against a real local model.

Runs `loop agent` as the worker on a fixed tiny task (examples/hello) for a fixed number
of steps, TRIALS times, against an OpenAI-compatible server (OPENAI_BASE_URL, or the
project's scripts/local-model), and reports from the usage ledger and wall clocks:

- model time vs harness time: harness = the agent process's wall time minus the wall
  time of its model calls (the server's work, measured by the client per call);
- prompt tokens served from the server's cache across the steps of one round;
- time to first token and completion tokens per second per step;
- how step time grows from step 1 to step N against the step's new (uncached) tokens.

Writes bench/agent/results.json and bench/agent/RESULTS.md. Stdlib only.
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LOOP = os.environ.get("LOOP_BIN", os.path.join(ROOT, ".build", "release", "loop"))
STEPS = int(os.environ.get("AGENT_BENCH_STEPS", "20"))
TRIALS = int(os.environ.get("AGENT_BENCH_TRIALS", "3"))


def sh(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout.strip()


def server():
    base = os.environ.get("OPENAI_BASE_URL")
    if base:
        return base, os.environ.get("LOOP_LOCAL_MODEL") or os.environ.get("AGENT_BENCH_MODEL", "smollm2-135m")
    out = sh([os.path.join(ROOT, "scripts", "local-model"), "start"])
    env = dict(line.split(" ", 1)[1].split("=", 1) for line in out.splitlines() if line.startswith("export "))
    return env["OPENAI_BASE_URL"], env.get("LOOP_LOCAL_MODEL", "smollm2-135m")


def make_repo():
    root = tempfile.mkdtemp(prefix="loop-agent-bench-")
    repo = os.path.join(root, "repo")
    shutil.copytree(os.path.join(ROOT, "examples", "hello"), repo)
    sh(["git", "init", "-q", "-b", "main"], cwd=repo)
    sh(["git", "add", "-A"], cwd=repo)
    sh(["git", "-c", "user.name=bench", "-c", "user.email=b@localhost", "commit", "-qm", "hello"], cwd=repo)
    bus = os.path.join(root, "bus")
    os.makedirs(os.path.join(bus, "run"))
    return root, repo, bus


def trial(base, model, n):
    root, repo, bus = make_repo()
    prompt = os.path.join(bus, "run", "worker_prompt.txt")
    with open(os.path.join(ROOT, "templates", "worker_prompt.txt")) as f:
        template = f.read()
    with open(os.path.join(repo, "task_card.json")) as f:
        card = json.load(f)
    card_text = "=== TASK CARD ===\ngoal: %s\nacceptance_criteria:\n%s" % (
        card["goal"], "\n".join("- " + c for c in card["acceptance_criteria"]))
    values = {"task_id": card["task_id"], "round_num": "1", "run_id": "run-bench.r1.worker1-%d" % n,
              "workdir": repo, "bus_dir": bus, "work_report_path": os.path.join(bus, "work_report.json"),
              "agents_md": "", "role_md": "", "task_card_section": card_text, "prior_context_section": "",
              "fix_list_section": "", "verify_section": "=== VERIFICATION ===\n- bash test.sh"}
    text = template
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    with open(prompt, "w") as f:
        f.write(text)
    env = dict(os.environ, OPENAI_BASE_URL=base, LOOP_ROLE="worker", LOOP_RUN_ID=values["run_id"], LOOP_ROUND="1",
               LOOP_TASK_ID=card["task_id"], LOOP_WORKDIR=repo, LOOP_REPORT_PATH=values["work_report_path"],
               LOOP_BUS_DIR=bus, LOOP_PROMPT_FILE=prompt)
    args = [LOOP, "agent", "--provider", "openai", "--model", model, "--tool-mode", "json",
            "--max-steps", str(STEPS), "--reply-tokens", "96", "--context", "8192",
            "--max-malformed", "1000", "--max-repeated-failures", "1000"]
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - start
    calls = []
    ledger = os.path.join(bus, "usage.jsonl")
    if os.path.exists(ledger):
        with open(ledger) as f:
            calls = [json.loads(line) for line in f if line.strip()]
    shutil.rmtree(root, ignore_errors=True)
    return {"wall_s": wall, "exit": proc.returncode, "stderr": proc.stderr[-400:], "calls": calls}


def main():
    if not os.path.exists(LOOP):
        sh(["swift", "build", "-c", "release"], cwd=ROOT)
    base, model = server()
    print("agent bench: %s at %s, %d steps x %d trials" % (model, base, STEPS, TRIALS), file=sys.stderr)
    trials = []
    for n in range(TRIALS):
        t = trial(base, model, n)
        steps = [c for c in t["calls"] if c.get("step", 0) >= 1]
        model_s = sum(c.get("wall_s", 0) for c in t["calls"])
        t["model_s"] = model_s
        t["harness_s"] = t["wall_s"] - model_s
        t["steps"] = len(steps)
        prompt = sum(c.get("prompt_tokens", 0) for c in steps[1:])
        cached = sum(c.get("cached_prompt_tokens", 0) for c in steps[1:])
        t["cache_ratio"] = cached / prompt if prompt else None
        trials.append(t)
        print("  trial %d: %d steps, wall %.1f s, model %.1f s, harness %.2f s, exit %d" % (
            n + 1, t["steps"], t["wall_s"], model_s, t["harness_s"], t["exit"]), file=sys.stderr)
    # Per step index, across trials.
    per_step = []
    for i in range(1, STEPS + 1):
        rows = [c for t in trials for c in t["calls"] if c.get("step") == i]
        if not rows:
            continue
        def med(key, default=0):
            values = [r.get(key, default) for r in rows if r.get(key) is not None]
            return statistics.median(values) if values else None
        new = [r.get("prompt_tokens", 0) - r.get("cached_prompt_tokens", 0) for r in rows]
        tps = [r["completion_tokens"] / max(1e-6, r["wall_s"] - r.get("ttft_s", 0)) for r in rows
               if r.get("completion_tokens") and r.get("wall_s")]
        per_step.append({"step": i, "n": len(rows), "prompt_tokens": med("prompt_tokens"),
                         "cached_prompt_tokens": med("cached_prompt_tokens"), "new_tokens": statistics.median(new),
                         "ttft_s": med("ttft_s"), "wall_s": med("wall_s"),
                         "tokens_per_s": statistics.median(tps) if tps else None})
    wall = sum(t["wall_s"] for t in trials)
    harness = sum(t["harness_s"] for t in trials)
    ratios = [t["cache_ratio"] for t in trials if t["cache_ratio"] is not None]
    summary = {"model": model, "server": base, "steps": STEPS, "trials": TRIALS,
               "harness_share": harness / wall if wall else None,
               "harness_s_per_step": harness / max(1, sum(t["steps"] for t in trials)),
               "cache_ratio": statistics.median(ratios) if ratios else None,
               "per_step": per_step, "trials_detail": [{k: v for k, v in t.items() if k != "calls"} for t in trials]}
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "results.json"), "w") as f:
        json.dump(summary, f, indent=2)
    write_report(summary, os.path.join(here, "RESULTS.md"))
    print(open(os.path.join(here, "RESULTS.md")).read())


def write_report(s, path):
    def fmt(v, f="%.3f"):
        return "-" if v is None else f % v
    share = s["harness_share"]
    cache = s["cache_ratio"]
    lines = [
        "# Built-in agent against a real local model (benchmark part B)", "",
        "- Date: %s UTC; machine: %d CPUs; model `%s` at %s (llama.cpp server)." % (
            time.strftime("%Y-%m-%d %H:%M", time.gmtime()), os.cpu_count(), s["model"], s["server"]),
        "- `loop agent` as the worker on examples/hello, JSON-action mode, up to %d steps, %d trials." % (s["steps"], s["trials"]),
        "", "| metric | value | target | result |", "|---|---|---|---|",
        "| harness time / wall time | %s | <= 2 %% | %s |" % (fmt(share * 100 if share is not None else None, "%.2f %%"),
            "PASS" if share is not None and share <= 0.02 else "MISS"),
        "| harness time per step (s) | %s | info | |" % fmt(s["harness_s_per_step"]),
        "| prompt tokens served from cache, steps 2..N | %s | >= 90 %% | %s |" % (
            fmt(cache * 100 if cache is not None else None, "%.1f %%"), "PASS" if cache is not None and cache >= 0.9 else "MISS"),
        "", "Per step (medians across trials):", "",
        "| step | prompt tokens | cached | new | TTFT (s) | step wall (s) | completion tok/s |", "|---|---|---|---|---|---|---|",
    ]
    for r in s["per_step"]:
        lines.append("| %d | %s | %s | %s | %s | %s | %s |" % (
            r["step"], fmt(r["prompt_tokens"], "%.0f"), fmt(r["cached_prompt_tokens"], "%.0f"), fmt(r["new_tokens"], "%.0f"),
            fmt(r["ttft_s"]), fmt(r["wall_s"]), fmt(r["tokens_per_s"], "%.1f")))
    lines += ["", "Harness time is everything the agent process spends outside model calls: process start, model info,",
              "tool execution (file tools, the bubblewrap sandbox for `run`), prompt building, report writing.",
              "Reproduce: `python3 bench/agent/agent_bench.py` (AGENT_BENCH_STEPS, AGENT_BENCH_TRIALS, LOOP_BIN, OPENAI_BASE_URL)."]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

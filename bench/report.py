"""Turns bench results into the table and bench/RESULTS.md.

The analysis paragraphs are filled from the measured numbers; the causes they name were
found by reading the code and by the profile runs (strace, git trace2) of the same run.
"""

import math

MIB = 1024.0
# The diagnostic variant `scripts/bench --dynamic` adds: the same code with the shared Swift runtime.
ALT = "loop (shared stdlib)"


def _f(x, nd=1):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.{nd}f}"


def _desc(d):
    """Items of a {name: number} dict, largest first (results.json stores keys sorted)."""
    return sorted(d.items(), key=lambda kv: -kv[1])


def _verdict(ok):
    return "PASS" if ok else "**MISS**"


def _pm_peak(res, tool):
    pc = res["rss"][tool]["per_class"]
    return max(pc.get("outer PM", {}).get("peak_kib", 0), pc.get("round subprocess", {}).get("peak_kib", 0))


def verdicts(res):
    """{target: (ok, text)} for the targets of the issue."""
    o, s, g = res["overhead"], res["status"], res["growth"]
    lo, lk = o["loop"]["overhead_per_round_ms"], o["loop-kit"]["overhead_per_round_ms"]
    ls, lks = s["loop"]["status"]["median_ms"], s["loop-kit"]["status"]["median_ms"]
    st_growth = g["loop"]["1000"]["status"]["median_ms"] / g["loop"]["1"]["status"]["median_ms"]
    run_growth = g["loop"]["1000"]["new_round_overhead_ms"] / g["loop"]["1"]["new_round_overhead_ms"]
    peak = _pm_peak(res, "loop") / MIB
    rp = res["profile"]["loop"].get("rounds", {})
    # The git target is for a round where the worker committed (the PM then commits nothing).
    rwc = res["profile"]["loop"].get("rounds_worker_commits", rp)
    return {
        "overhead": lo <= 30, "overhead_ratio": lk / lo >= 10, "status": ls <= 10, "status_ratio": lks / ls >= 15,
        "growth_status": st_growth <= 1.2, "growth_run": run_growth <= 1.2, "rss": peak <= 15,
        "version": s["loop"]["startup_version"]["median_ms"] <= 6,
        "fsync": rp.get("fsyncs_per_round", 1e9) <= 8, "git": rwc.get("round_git_median", rwc.get("round_git_per_round", rwc.get("pm_git_per_round", 1e9))) <= 3,
    }


def rows(res):
    """[(metric, loop, loop-kit, ratio, target, verdict)]."""
    v = verdicts(res)
    out = []
    o = res["overhead"]
    rounds = res["params"]["rounds"]
    lo, lk = o["loop"]["overhead_per_round_ms"], o["loop-kit"]["overhead_per_round_ms"]
    out.append((f"1. PM overhead per round, {rounds}-round run (ms, median of {res['params']['repeats']})",
                _f(lo), _f(lk), f"{lk / lo:.1f}x", "loop <= 30 ms", _verdict(v["overhead"])))
    out.append(("   ratio loop-kit / loop", "", "", f"{lk / lo:.1f}x", ">= 10x", _verdict(v["overhead_ratio"])))
    ls, lks = o["loop"]["steady_round_overhead_ms"], o["loop-kit"]["steady_round_overhead_ms"]
    out.append(("   steady state: from one worker start to the next, minus agents (ms)", _f(ls), _f(lks),
                f"{lks / ls:.1f}x", "info", ""))
    if "loop (git first on PATH)" in o:
        out.append(("   loop with git's folder first on PATH (ms)", _f(o["loop (git first on PATH)"]["overhead_per_round_ms"]),
                    "", "", "diagnostic", ""))
    a, b = o["loop"].get("pm_cpu_per_round_ms"), o["loop-kit"].get("pm_cpu_per_round_ms")
    out.append(("   PM CPU time per round (user+sys of the tree minus the agents'; load-proof) (ms)", _f(a), _f(b),
                f"{b / a:.1f}x" if a and b else "", "info", ""))

    s = res["status"]
    ls, lks = s["loop"]["status"]["median_ms"], s["loop-kit"]["status"]["median_ms"]
    out.append(("2. `status` on a finished run (ms, hyperfine median)", _f(ls), _f(lks), f"{lks / ls:.1f}x",
                "loop <= 10 ms", _verdict(v["status"])))
    out.append(("   ratio loop-kit / loop", "", "", f"{lks / ls:.1f}x", ">= 15x", _verdict(v["status_ratio"])))
    lv, lkv = s["loop"]["startup_version"]["median_ms"], s["loop-kit"]["startup_version"]["median_ms"]
    out.append(("   bare process start, `--version` (ms)", _f(lv), _f(lkv), f"{lkv / lv:.1f}x", "loop <= 6 ms",
                _verdict(v["version"])))
    libs = s["loop"].get("status_libraries")
    if libs is not None:
        from measure import networking
        out.append(("   shared objects the loader maps for `status` (networking ones among them)",
                    f"{len(libs)} ({', '.join(networking(libs)) or 'none'})", "", "", "none", _verdict(not networking(libs))))

    g = res["growth"]
    for kind, label in (("status", "`status`"), ("run", "overhead of a new 1-round run")):
        vals, cpus = {}, {}
        for tool in ("loop", "loop-kit"):
            vals[tool] = [g[tool][n]["status"]["median_ms"] if kind == "status" else g[tool][n]["new_round_overhead_ms"]
                          for n in ("1", "100", "1000")]
            cpus[tool] = [g[tool][n]["status"]["cpu_ms"] if kind == "status" else g[tool][n]["new_round_cpu_ms"]
                          for n in ("1", "100", "1000")]
        lr = vals["loop"][2] / vals["loop"][0]
        kr = vals["loop-kit"][2] / vals["loop-kit"][0]
        out.append((f"3. {label}, 1 / 100 / 1000 archived rounds (ms)",
                    " / ".join(_f(x) for x in vals["loop"]), " / ".join(_f(x) for x in vals["loop-kit"]), "", "", ""))
        out.append(("   growth from 1 to 1000 archived rounds", f"{lr:.2f}x", f"{kr:.2f}x", "", "loop <= 1.2x",
                    _verdict(v["growth_status" if kind == "status" else "growth_run"])))
        out.append(("   same in CPU time (ms), 1 / 100 / 1000", " / ".join(_f(x) for x in cpus["loop"]),
                    " / ".join(_f(x) for x in cpus["loop-kit"]), "", "info", ""))

    r = res["rss"]
    lp, lkp = _pm_peak(res, "loop") / MIB, _pm_peak(res, "loop-kit") / MIB
    out.append(("4. peak RSS of the PM: largest of outer and round processes (MiB)", _f(lp), _f(lkp),
                f"{lkp / lp:.2f}x", "loop <= 15 MB", _verdict(v["rss"])))
    for cls in ("outer PM", "round subprocess"):
        a = r["loop"]["per_class"].get(cls, {})
        b = r["loop-kit"]["per_class"].get(cls, {})
        out.append((f"   {cls}: peak (of which anonymous) (MiB)",
                    f"{_f(a.get('peak_kib', 0) / MIB)} ({_f(a.get('anon_kib', 0) / MIB)})",
                    f"{_f(b.get('peak_kib', 0) / MIB)} ({_f(b.get('anon_kib', 0) / MIB)})", "", "info", ""))
    out.append(("   `/usr/bin/time -v` max RSS of the whole tree (MiB)", _f(r["loop"]["tree_max_kib"] / MIB),
                _f(r["loop-kit"]["tree_max_kib"] / MIB), "", "info", ""))
    rs = r["loop"]["per_class"].get("round subprocess", {}).get("shared_objects")
    if rs is not None:
        from measure import networking
        out.append(("   shared objects mapped by a round subprocess (`/proc/<pid>/smaps`; networking ones among them)",
                    f"{len(rs)} ({', '.join(networking(rs)) or 'none'})", "", "", "none", _verdict(not networking(rs))))
    st = ALT
    if st in res["overhead"] and st in res["status"] and st in r:
        pc = r[st]["per_class"]
        peak = max(pc.get("outer PM", {}).get("peak_kib", 0), pc.get("round subprocess", {}).get("peak_kib", 0))
        out.append(("diagnostic: loop built with the shared Swift runtime (no `--static-swift-stdlib`): overhead per round / PM CPU per round / "
                    "`status` / `--version` (ms) / PM peak RSS (MiB)",
                    f"{_f(res['overhead'][st]['overhead_per_round_ms'])} / {_f(res['overhead'][st]['pm_cpu_per_round_ms'])} / "
                    f"{_f(res['status'][st]['status']['median_ms'])} / {_f(res['status'][st]['startup_version']['median_ms'])} / "
                    f"{_f(peak / MIB)}", "", "", "not a target", ""))

    m5 = res["repo_size"]
    nbig = res["params"]["big_files"]
    a, b = m5["loop"]["overhead_per_round_ms"], m5["loop-kit"]["overhead_per_round_ms"]
    out.append((f"5. PM overhead per round, repo with {nbig} files (ms)", _f(a), _f(b), f"{b / a:.1f}x", "info", ""))
    a, b = m5["loop"].get("pm_cpu_per_round_ms"), m5["loop-kit"].get("pm_cpu_per_round_ms")
    out.append(("   PM CPU time per round (ms)", _f(a), _f(b), f"{b / a:.1f}x" if a and b else "", "info", ""))
    pl, pk = res["profile"]["loop"], res["profile"]["loop-kit"]
    a, b = m5["loop"]["steady_round_overhead_ms"], m5["loop-kit"]["steady_round_overhead_ms"]
    out.append(("   steady state, without run start and end (ms)", _f(a), _f(b), f"{b / a:.1f}x", "info", ""))
    out.append((f"   PM's own git time per round, small / {nbig}-file repo, without run setup (ms)",
                f"{_f(pl['git_small']['per_round_ms'])} / {_f(pl['git_big']['per_round_ms'])}",
                f"{_f(pk['git_small']['per_round_ms'])} / {_f(pk['git_big']['per_round_ms'])}", "", "info", ""))
    out.append(("   PM's git processes per round", _f(pl["git_small"]["calls_per_round"]),
                _f(pk["git_small"]["calls_per_round"]), "", "info", ""))
    a, b = pl.get("rounds"), pk.get("rounds")
    if a and b:
        out.append((f"6. fsyncs per round, whole {a['rounds']}-round run (strace -f; run setup included)",
                    _f(a["fsyncs_per_round"]), _f(b["fsyncs_per_round"]), "", "loop <= 8", _verdict(v["fsync"])))
        wc = pl.get("rounds_worker_commits")
        out.append((f"   PM's git processes per round, same run (strace; setup included, the agents' own left out)",
                    _f(a["pm_git_per_round"]), _f(b["pm_git_per_round"]), "", "info" if wc else "loop <= 3",
                    "" if wc else _verdict(v["git"])))
        if wc:
            counts = wc.get("round_git_counts")
            spread = ("; rounds by processes: " + ", ".join(f"{n} with {k}" for k, n in sorted(counts.items(), key=lambda kv: int(kv[0])))
                      if counts else "")
            out.append((f"   PM's git processes in a round where the worker committed its change itself: median over the "
                        f"round subprocesses (their mean; the mean with the run's setup included{spread})",
                        f"{_f(wc.get('round_git_median', wc.get('round_git_per_round', wc['pm_git_per_round'])))} "
                        f"({_f(wc.get('round_git_per_round', wc['pm_git_per_round']))}; {_f(wc['pm_git_per_round'])})",
                        "", "", "loop <= 3", _verdict(v["git"])))
    return out


def table(res):
    header = ("metric", "loop", "loop-kit", "ratio", "target", "result")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for row in rows(res):
        lines.append("| " + " | ".join(str(c) for c in row) + " |")
    return "\n".join(lines)


def breakdown(res):
    """Estimated split of loop's steady-state per-round overhead, from the profile runs."""
    o, p = res["overhead"], res["profile"]
    pl = p["loop"]
    rounds = pl["strace"]["rounds_profiled"]
    total = o["loop"]["overhead_per_round_ms"]
    items = []
    items.append(("round subprocess start (one `loop run --single-round` per round; bare `loop --version`)",
                  res["status"]["loop"]["startup_version"]["median_ms"]))
    items.append(("agent exit noticed late: 2 dispatches x mean reap delay (a thread waits on each agent's exit)",
                  2 * (pl["reap"]["mean_ms"] or 0)))
    items.append((f"git: {pl['git_small']['calls_per_round']:.0f} git processes, their own run time (trace2)",
                  pl["git_small"]["per_round_ms"]))
    if "loop (git first on PATH)" in o:
        failed = sum(pl["strace"]["wasted_spawns"].values()) / rounds
        items.append((f"PATH search: {failed:.0f} processes per round forked only to fail `execve` "
                      "(PM CPU difference to the runs with git's folder first on PATH)",
                      o["loop"]["pm_cpu_per_round_ms"] - o["loop (git first on PATH)"]["pm_cpu_per_round_ms"]))
    sc = pl["strace_c"]
    per_round = sc["fsync_calls"] / rounds
    if o["loop"].get("fsync_ms") is not None:
        items.append((f"fsync: {per_round:.0f} per round x {o['loop']['fsync_ms']:.2f} ms, the median cost of one fsync "
                      "sampled just before each of these runs (the profile run measured "
                      f"{sc['fsync_s'] * 1e3 / rounds:.0f} ms per round inside fsync with `strace -c -w`)",
                      per_round * o["loop"]["fsync_ms"]))
    else:
        items.append((f"fsync: {per_round:.0f} per round, time spent inside fsync (`strace -c -w`)",
                      sc["fsync_s"] * 1e3 / rounds))
    rest = total - sum(ms for _, ms in items)
    perf = pl.get("perf") or {}
    pm_pct = perf.get("by_kind_pct", {}).get("PM (loop or python processes)")
    hint = ""
    if pm_pct and perf.get("tree_cpu_ms"):
        pm_ms = pm_pct * perf["tree_cpu_ms"] / perf["rounds"] / 100
        kern = perf.get("pm_by_dso_pct", {}).get("[kernel.kallsyms]", 0) * perf["tree_cpu_ms"] / perf["rounds"] / 100
        hint = (f" (perf: loop's own processes use {pm_ms:.0f} ms CPU per round, {kern:.0f} ms of it in the kernel, "
                "mostly creating processes and page faults)")
    items.append(("rest, not attributed: the PM's own CPU work beyond the parts above" + hint + ", and waiting for "
                  "a CPU on the busy 2-CPU machine; negative when the separately measured parts overlap", rest))
    return total, items


def overhead_history(w):
    """What was done about loop's per-round overhead, and what is left; rendered whether or not it misses."""
    w("### How the round overhead came down")
    w("")
    w("- *Round subprocess, lean since 2026-12-04 (second pass).* It no longer parses its command line with "
      "ArgumentParser (`RoundChild`), nor config.yaml (the PM's `run/backends.json`; options come from "
      "state.json), compiles no ICU regular expression for the dispatch-log header or the secret scan of files "
      "to commit unless the text could hold a credential, and asks no git process for HEAD (read from .git's "
      "files); `loop` itself is linked position-dependent (84,000 fewer relocations at every start). Measured "
      "with `perf` over 20-round runs, three of each binary alternating: CPU in loop's own processes per round, "
      "median, 49.0 ms before (bd3d2db) and 39.7 ms after.")
    w("- *2026-12-05, first pass (perf traces, calm machine, alternating binaries; about 35 -> 29 ms a round).* "
      "After each agent the PM read the `stat` file of every process on the machine twice (the check that the "
      "agent's group was gone, and the sweep for leftovers that escaped with setsid): both now skip, with one "
      "`fstatat`, every process whose `/proc` entry is older than the sweeping process or group. The wait for an "
      "exiting agent asked 40 times whether it was alive after it was gone (a `for ... where` that filtered "
      "instead of stopping). The review's `git log` runs beside its diff. Verify results without verify commands "
      "are not fsynced. The next round's subprocess is started 5 ms into the round before (`--standby`): it "
      "loads and warms up, then waits on its stdin for the round number (round start to worker exec 5.4 -> "
      "3.5 ms).")
    w("- *2026-12-05, second pass (A/B of alternating binaries, 20-round runs, about 28 -> 24 ms a round).* "
      "Every child — git, agents, verify commands, round subprocesses — starts with `posix_spawn` "
      "(`ChildProcess`) instead of swift-subprocess, whose full `clone` copied the PM's page tables and whose "
      "exit monitoring took several thread and task hops: 0.5-0.9 ms per child, and a round starts four git "
      "processes, two agents and a round subprocess (28.1 -> 25.8 ms for the git processes alone). The spawn "
      "runs on a thread that then waits for the child, so a parent-death signal (round subprocesses, "
      "bubblewrap's `--die-with-parent`) never fires early, and an agent's exit wakes the PM at once. A round "
      "subprocess says `done` on a pipe once its files are written, and the PM goes on while the kernel "
      "finishes that process's exit (24.6 -> 23.9 ms). PATH and GIT_DIR lookups read one variable instead of "
      "copying the environment. swift-subprocess and swift-system are no longer dependencies.")
    w("- *What is left (traces, calm machine, about 24 ms a round).* Four git processes a round when the PM "
      "commits (status, commit, then diff-tree and log side by side): 7-9 ms of the round's wall time, of which "
      "`git commit` alone is about 3 ms; the two agent shells' own start and exit, which count as overhead for "
      "both tools (about 2.5 ms each: `/usr/bin/env` finding bash, bash starting); seven saves of state.json a "
      "round (about 0.3 ms each, one of them durable); and the handover between round processes (about 1.5 ms: "
      "state.json read by the outer PM and again by the round process, the round's start saved durably). "
      "The same binary measures 15% apart from minute to minute on this VM, while loop-kit, which mostly sleeps "
      "between polls, stays within 2%.")
    w("")


def render(res):
    m, v = res["machine"], res["versions"]
    ok = verdicts(res)
    o, s, g, r, p = res["overhead"], res["status"], res["growth"], res["rss"], res["profile"]
    pl, pk = p["loop"], p["loop-kit"]
    R = res["params"]["rounds"]
    nbig = res["params"]["big_files"]
    loads = [x["load1"] for x in res.get("load", [])]
    L = []
    w = L.append
    w("# loop vs loop-kit: PM overhead benchmark")
    w("")
    w(f"- Date: {res['date']}; whole benchmark {res['elapsed_s']:.0f} s.")
    w(f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gib']} GiB RAM, Linux {m['kernel']}.")
    fs = [x["fsync_ms"] for x in res.get("load", []) if "fsync_ms" in x]
    if loads:
        w(f"- **Busy machine**: load average (1 min) at the section starts {min(loads):.1f} to {max(loads):.1f} on "
          f"{m['nproc']} CPUs (other sessions were building, testing and running a local model), and one fsync "
          + (f"cost {min(fs):.1f} to {max(fs):.1f} ms (median of 2x20 at each section start)" if fs else "was not sampled")
          + ". Wall times are noisy: medians of repeats and ratios from the same run are used, and CPU times "
          "(user+sys, which load barely changes) are given next to them.")
    if res.get("note"):
        w(f"- Note: {res['note']}")
    w(f"- Versions: loop `{v['loop']}` (product code at commit {v.get('loop_product_commit', '?')}, bench checkout "
      f"{v['loop_commit']}, `scripts/release-build`: {v.get('loop_build') or 'swift build -c release'}); loop-kit `{v['loop-kit']}` "
      f"(`pip install agent-task-runner==0.3.1`); {v['swift']}; {v['python']}; {v['git']}; {v['hyperfine']}.")
    w("")
    w("## Results")
    w("")
    w(table(res))
    w("")
    w("Ratios are loop-kit / loop from the same run of this benchmark. MB in the targets is read as MiB.")
    w("")
    w(f"Every run of measurement 1 (per round, ms; fsync = cost of one fsync sampled just before the run):")
    w("")
    w("| variant | run | wall overhead | steady state | PM CPU | fsync |")
    w("|---|---|---|---|---|---|")
    for name, e in o.items():
        for k, run in enumerate(e["runs"], 1):
            w(f"| {name} | {k} | {run['overhead_per_round_ms']:.0f} | {run['steady_round_overhead_ms_median']:.0f} | "
              f"{run['pm_cpu_s'] / max(1, run['rounds']) * 1e3:.0f} | {_f(run.get('fsync_ms_before'), 2)} |")
    w("")
    w("## What was measured")
    w("")
    w(f"Same task card, same repository, same instant scripted agents for both tools (`bench/agents/`). The worker "
      f"appends a line to `a.txt` and writes its report; the reviewer asks for changes until round {R}, then approves. "
      "Each agent appends its own start and end time (bash's `$EPOCHREALTIME`, read without starting a process; "
      "until 2026-12-05 a `date +%s%N` process, whose own start before the first reading counted as PM overhead for "
      "both tools, about 1 ms per agent here) to a log; **PM overhead = run wall time minus the "
      "agents' own time**, divided by the rounds. What an agent's shell does before its first line and after its "
      "last (start-up, exit) still counts as overhead, for both tools. Reports are written atomically (temp file + "
      "`mv`).")
    w("")
    w("- **loop**: `command` backends in `.loop/config.yaml` (appended to the `loop init` config), `loop run "
      f"--auto-dispatch --worker-backend bw --reviewer-backend br --max-rounds {R} --dispatch-retry-base-sec 1`. "
      "The PM commits the worker's change (default worktree mode, `.loop/worktrees/T-1`).")
    w("- **loop-kit 0.3.1** has no generic command backend, so a stand-in `codex` (`bench/agents/codex`) is put first on "
      "PATH. loop-kit runs `codex exec --json --dangerously-bypass-approvals-and-sandbox -C <root> \"<instruction>\"` "
      "with the prompt on stdin; the stand-in reads `Current task_id: X, round: N.` and the report path after "
      "`after writing` from it. The 0.3.1 wheel's prompts carry **no run_id** (the newer git HEAD adds it), so none is "
      "echoed. loop-kit requires the worker to commit, so the stand-in runs `git add -A && git commit` (counted as agent "
      "time). Flags: `loop run --task .loop/tasks/T-1.json --auto-dispatch --worker-backend codex --reviewer-backend "
      f"codex --max-rounds {R} --dispatch-retry-base-sec 1 --artifact-timeout 10`. "
      + (f"Every loop-kit run did all its rounds and exited 0; nothing had to be cut."
         if all(x["rc"] == 0 and x["rounds"] == R for x in o["loop-kit"]["runs"])
         else "**Some loop-kit runs did not finish all rounds: see results.json (`overhead.loop-kit.runs`).**"))
    w("- Both repositories ignore `.loop/` through `.git/info/exclude` (loop-kit's `git add -A` would commit the bus otherwise).")
    w("- Steady state: for rounds 1..N-1, the time from one worker start to the next minus that round's agent time; "
      "it leaves out run start-up and the final write-up.")
    w(f"- `status`: `hyperfine -N --warmup 5 --runs {res['params']['status_runs']}` in the repository of a finished "
      f"{R}-round run.")
    w("- Growth: a real 1-round run, then copies of a real archived round (from a 2-round run) added as fake rounds "
      "until the archive holds N rounds: loop `archive/T-1/<run>/r<k>_*` (10 rounds per fake run, each with an "
      "outcome), loop-kit `archive/T-1/r<k>_*.json`. Then `status`, and new 1-round runs (reviewer approves round 1), "
      "interleaved over N. loop-kit needs `--reset` for every new run (defect D1: the previous run's reports make "
      "the next run fail); its card lives in `.loop/tasks/` so `--reset` does not delete it (defect D2).")
    w("- Peak RSS: one run per tool under `/usr/bin/time -v` (whose number is the largest single process of the "
      "whole tree, git and agents included) plus a poller that reads `VmHWM`, `RssAnon` and `RssFile` of every "
      "process in the tree every 3 ms, to attribute the peak to the outer PM or a round subprocess.")
    w(f"- Repo size: the same {R}-round run in a repository with {nbig} extra files (100 per folder), "
      f"{res['params']['big_repeats']} runs per tool: the first in a fresh copy, the others again in the same "
      "repository (copying 10,000 files per run was too slow on the shared disk).")
    w("- Profile (separate runs, never timed): `GIT_TRACE2_EVENT` for the PM's git processes (the loop-kit stand-in "
      "unsets it, so only the PM's own git calls count), `strace -f` for process spawns and fsyncs, `strace "
      "--seccomp-bpf` for when the PM reaps an agent that has exited, `perf record` for CPU by process and library, "
      "and a small fsync microbenchmark.")
    w("- Every timed run starts on a fresh copy of a template repository whose index was refreshed and whose dirty "
      "pages were synced (`sync`), so neither tool pays for the copy.")
    w("- The 10,000-file templates are made only before the repository-size runs, followed by 45 s of rest: on this "
      "VM, writing and committing 10,000 files slowed the fork-and-exec-heavy runs after it for about 35 s (loop: "
      "49-57 ms a round in that window, 27-32 ms after it and without it; loop-kit within 2%). Until 2026-12-05 "
      "they were made first, and most of measurement 1 ran in that window. Removing many files has the same "
      "effect, for minutes, in the folders they were in (loop at 27-34 ms a round right after an earlier "
      "benchmark's 73,000 files were removed, 23 ms in another folder at the same time; loop-kit unchanged), so "
      "nothing is removed before measuring: an earlier run's folder is moved aside and removed at the end, "
      "with this run's big repositories. Until 2026-12-05 the start removed it, and measurement 1 ran in "
      "that window.")
    w("")

    # ----------------------------------------------------------------- analysis
    w("## Where loop's per-round time goes")
    w("")
    total, items = breakdown(res)
    w(f"Estimated split of the {total:.0f} ms per round (medians from the profile runs; the parts are measured "
      "separately, so they only roughly add up):")
    w("")
    w("| part | ms per round |")
    w("|---|---|")
    for label, ms in items:
        w(f"| {label} | {ms:.1f} |")
    w("")
    ex = pl["strace"]["execs"]
    rounds = pl["strace"]["rounds_profiled"]
    w(f"Processes started in loop's process tree, agents included, in a {rounds}-round run (strace): "
      + ", ".join(f"{k} x{n}" for k, n in _desc(ex))
      + f"; plus {sum(pl['strace']['wasted_spawns'].values())} processes forked only to fail `execve` (a spawn that "
      + "searches PATH itself; loop resolves each program once and starts it by absolute path"
      + "".join(f", {k} x{n}" for k, n in pl["strace"]["wasted_spawns"].items())
      + f"). loop-kit: {sum(pk['strace']['wasted_spawns'].values())} such processes (Python and bash try the PATH "
      "entries inside the one child).")
    def calls(d):
        return ", ".join(f"{k} x{n}" for k, n in sorted(d.items())) or "none"
    w(f"fsync-family calls (and renames) in {rounds} rounds: {calls(pl['strace']['syncs'])} (loop) vs "
      f"{calls(pk['strace']['syncs'])} (loop-kit).")
    w("")
    w("git subcommands per run (trace2, small repo, " + str(rounds) + " rounds): "
      + ", ".join(f"`{k}` x{v['count']} ({v['total_ms']:.0f} ms)" for k, v in pl["git_small"]["by_command"].items()) + ".")
    w("")
    top = pl["strace_c"]["top_by_calls"][:8]
    if top:
        w(f"Most frequent syscalls in the loop process tree ({rounds} rounds, `strace -c -f`): "
          + ", ".join(f"{t['syscall']} x{t['calls']}" for t in top)
          + ". `rt_sigaction` calls come mostly from each new child resetting every signal to its default between "
          "spawn and exec (`posix_spawn`'s SETSIGDEF, which keeps the PM's ignored SIGPIPE from reaching agents), "
          "once per process started.")
        w("")
    perf = pl.get("perf")
    if perf and perf.get("tree_cpu_ms"):
        per_round = perf["tree_cpu_ms"] / perf["rounds"]
        w(f"CPU time of the whole loop process tree: {per_round:.0f} ms per round (a {perf['rounds']}-round run under "
          "`perf record -F 2000`); by process kind: "
          + ", ".join(f"{k} {v:.0f}% ({v * per_round / 100:.0f} ms)" for k, v in _desc(perf["by_kind_pct"]))
          + ". Inside loop's own processes, by library (% of all samples): "
          + ", ".join(f"{k} {v:.1f}%" for k, v in _desc(perf["pm_by_dso_pct"]))
          + ". Kernel time is mostly fork/exec/page faults of new processes and fsync; `ld-linux` is the dynamic "
          "loader at every process start (with the shared Swift runtime it also resolves the Swift/Foundation "
          "symbols; a static build links them in, so they show up under `loop`), and the Swift runtime's "
          "protocol-conformance lookups on first use in each new process run inside libswiftCore or `loop`.")
        pk_perf = pk.get("perf")
        if pk_perf and pk_perf.get("tree_cpu_ms"):
            pr = pk_perf["tree_cpu_ms"] / pk_perf["rounds"]
            w(f"For comparison, loop-kit's tree: {pr:.0f} ms CPU per round; "
              + ", ".join(f"{k} {v:.0f}% ({v * pr / 100:.0f} ms)" for k, v in _desc(pk_perf["by_kind_pct"])) + ".")
        w("")

    overhead_history(w)
    w("## Misses and why")
    w("")
    if all(ok.values()):
        w("None: every target passed in this run.")
        w("")
    lo = o["loop"]["overhead_per_round_ms"]
    lk = o["loop-kit"]["overhead_per_round_ms"]
    if not ok["overhead"] or not ok["overhead_ratio"]:
        reap = pl["reap"]
        w(f"**1. Overhead per round: {lo:.0f} ms (target 30 ms); loop-kit / loop = {lk / lo:.1f}x (target 10x).** "
          f"Even the PM's CPU time alone, {o['loop']['pm_cpu_per_round_ms']:.0f} ms per round (loop-kit "
          f"{o['loop-kit']['pm_cpu_per_round_ms']:.0f} ms), is over the budget, and the wall time adds waits on top:")
        w("")
        w(f"- *Agent exit.* The PM reaps an exited agent {reap['mean_ms']:.0f} ms after its exit on average "
          f"(max {reap['max_ms']:.0f} ms; loop-kit: {pk['reap']['mean_ms']:.0f} ms, it polls every 100 ms); "
          "`ProcessRunner`'s watcher is woken by the agent's exit itself (since 2026-12-05 a thread waits on it; "
          "before, by the output readers at end of file, and before that a 50 ms poll).")
        if "loop (git first on PATH)" in o:
            d = lo - o["loop (git first on PATH)"]["overhead_per_round_ms"]
            failed = sum(pl["strace"]["wasted_spawns"].values()) / rounds
            dc = o["loop"]["pm_cpu_per_round_ms"] - o["loop (git first on PATH)"]["pm_cpu_per_round_ms"]
            w(f"- *PATH lookups.* {failed:.0f} processes per round are spawned only to fail `execve` (programs are "
              "resolved on PATH once with `access(X_OK)` and started by absolute path; swift-subprocess's own search "
              f"used to fork one per PATH entry). With git's folder first on PATH: {dc:.0f} ms less PM CPU per round "
              f"(wall {d:.0f} ms less, noise).")
        w(f"- *Many git processes.* {pl['git_small']['calls_per_round']:.0f} git processes per round "
          f"({pl['git_small']['per_round_ms']:.0f} ms of git run time) against {pk['git_small']['calls_per_round']:.0f} "
          "for loop-kit (whose worker commits by itself): status, commit (add only for new paths), one diff-tree for "
          "the review's diff and a log for its commit list, and git's own helpers.")
        static_build = "static" in (res["versions"].get("loop_build") or "")
        w(f"- *One more process per round by design.* Each round is a fresh `loop run --single-round` subprocess; the "
          f"bare start of the binary (`loop --version`) takes {s['loop']['startup_version']['median_ms']:.0f} ms "
          + ("(static Swift runtime and Foundation; no networking library since the built-in agent became the separate "
             "`loop-agent`)." if static_build else
             "(dynamic Swift runtime, Foundation and ICU; no networking library since the built-in agent became the "
             "separate `loop-agent`).")
          + " Since 2026-12-05 the PM starts it 5 ms into the round before (`--standby`): it loads and warms up "
          "(a decode and encode of state.json and the card) while that round runs, then waits on its stdin for the "
          "round number; a perf trace of a 20-round run put the round's start to its worker's exec at 3.5 ms, "
          "down from 5.4 ms. The start's CPU time is still spent, one process a round, off the round's path.")
        sc = pl["strace_c"]
        w(f"- *fsync.* {sc['fsync_calls'] / rounds:.0f} fsyncs per round, {sc['fsync_s'] * 1e3 / rounds:.0f} ms per round "
          "waiting in fsync in the profile run (see miss 6 for where they come from). One fsync cost "
          f"{o['loop'].get('fsync_ms', float('nan')):.2f} ms (median) around the overhead runs. loop-kit does none.")
        w("- What was done about it, and what is left: see \"How the round overhead came down\" above.")
        w("")
    st = ALT
    has_alt = st in o and st in s and st in r
    if not ok["status"] or not ok["status_ratio"] or not ok["version"]:
        lv = s["loop"]["startup_version"]["median_ms"]
        w(f"**2. `status`: {s['loop']['status']['median_ms']:.1f} ms (target 10 ms), "
          f"{s['loop-kit']['status']['median_ms'] / s['loop']['status']['median_ms']:.1f}x less than loop-kit (target 15x); "
          f"`--version`: {lv:.1f} ms (target 6 ms).** "
          f"`status` adds {max(0.0, s['loop']['status']['median_ms'] - lv):.1f} ms to the bare start. "
          f"The loader maps {len(s['loop'].get('version_libraries', []))} shared objects for `--version` "
          f"({', '.join(s['loop'].get('version_libraries', []))}); the rest of the start is the Swift runtime and "
          "Foundation initialising inside the binary, and page faults on first use of its code. loop-kit's status "
          f"costs about what its Python start plus imports cost ({s['loop-kit']['startup_version']['median_ms']:.0f} ms "
          "for `--version`)."
          + (f" For comparison, the same code with the shared Swift runtime: `status` {s[st]['status']['median_ms']:.1f} ms, "
             f"`--version` {s[st]['startup_version']['median_ms']:.1f} ms." if has_alt else ""))
        w("")
    if not ok["growth_status"] or not ok["growth_run"]:
        gs = g["loop"]["1000"]["status"]["median_ms"] / g["loop"]["1"]["status"]["median_ms"]
        gr = g["loop"]["1000"]["new_round_overhead_ms"] / g["loop"]["1"]["new_round_overhead_ms"]
        cs = g["loop"]["1000"]["status"]["cpu_ms"] / g["loop"]["1"]["status"]["cpu_ms"]
        cr = g["loop"]["1000"]["new_round_cpu_ms"] / g["loop"]["1"]["new_round_cpu_ms"]
        w(f"**3. Growth: `status` {gs:.2f}x, new round {gr:.2f}x in wall time from 1 to 1000 archived rounds (target "
          f"1.2x).** In CPU time the same steps change {cs:.2f}x and {cr:.2f}x. Nothing scans the archive, but "
          "`loop status` also reads usage.jsonl, and until 2026-12-04 (after this run's commit) it decoded every "
          "line of it, every earlier run's too — and this measurement starts a new 1-round run at each archive "
          "size, so usage.jsonl grows with it. Measured by hand with 2,000 other runs' lines added to a finished "
          "run's usage.jsonl: `status` took 50 ms of CPU before (6 ms without them) and 10 ms with the fix, which "
          "finds the current run's lines by searching the file for its run id and decodes only those; where CPU "
          "stays flat, a moving wall-time ratio is load on the machine between the measurements.")
        w("")
    if not ok["rss"]:
        rc = r["loop"]["per_class"].get("round subprocess", {})
        oc = r["loop"]["per_class"].get("outer PM", {})
        w(f"**4. Peak RSS: {_pm_peak(res, 'loop') / MIB:.1f} MiB (target 15 MB; loop-kit {_pm_peak(res, 'loop-kit') / MIB:.1f} MiB).** "
          f"Almost all of it is file-backed pages (of the `loop` binary itself when it is built static, else of the "
          f"shared Swift libraries): the round subprocess peaks at "
          f"{rc.get('peak_kib', 0) / MIB:.1f} MiB of which only {rc.get('anon_kib', 0) / MIB:.1f} MiB is anonymous memory "
          f"(heap, stacks) and {rc.get('file_kib', 0) / MIB:.1f} MiB is mapped files (outer PM: "
          f"{oc.get('anon_kib', 0) / MIB:.1f} MiB anonymous, {oc.get('file_kib', 0) / MIB:.1f} MiB files). "
          "Resident memory by mapping in the round subprocess (`/proc/<pid>/smaps`, sampled during the run): "
          + ", ".join(f"{k} {v / MIB:.1f} MiB" for k, v in rc.get("top_mappings_kib", [])[:9])
          + ". File-backed pages of a static binary are the parts of its own code and data (Foundation, ICU's "
          "tables) that were touched, rounded up by the kernel's fault-around (a round subprocess sampled on "
          "2026-12-04 had 15.8 of the 24 MiB code segment of the static `loop` resident, and 2.6 of its 37 MiB data "
          "segment); getting under 15 MB means touching less of them, e.g. keeping the round "
          "process off Foundation's internationalisation/ICU paths (date and number formatting), or not loading "
          "Foundation at all (FoundationEssentials only); the PM's own data is small."
          + (f" With the shared Swift runtime the PM's peak is {_pm_peak(res, st) / MIB:.1f} MiB." if has_alt else ""))
        w("")
    rp, rk = pl.get("rounds"), pk.get("rounds")
    if rp and not ok["fsync"]:
        n = max(1, rp["rounds"])
        parts = ", ".join(f"{k.lstrip('/')} {c / n:.1f}" for k, c in _desc(rp["fsyncs_by_file"])[:8])
        w(f"**6. fsyncs: {rp['fsyncs_per_round']:.1f} per round (target 8; loop-kit {rk['fsyncs_per_round']:.1f}).** "
          f"By file, per round, in the {rp['rounds']}-round run (`strace -f -y`; a folder is the fsync after a rename): "
          f"{parts}. Every durable write is temp file, fsync, rename, fsync of the folder: 2 fsyncs; files "
          "written in one step share one folder fsync (`AtomicFile.write(together:)`).")
        w("")
    if rp and not ok["git"]:
        wc = pl.get("rounds_worker_commits", rp)
        w(f"**7. git: {wc.get('round_git_median', wc.get('round_git_per_round', wc['pm_git_per_round'])):.1f} PM git processes in a round where the worker committed "
          f"(target 3; {rp['pm_git_per_round']:.1f} where the PM commits; loop-kit {rk['pm_git_per_round']:.1f}).** "
          "A round asks git for: one `status --porcelain=v2 --branch` (head, branch, dirty paths), `add` (only for "
          "paths new to git) and `commit` when the worker left changes, one `diff-tree --stdin` for the round's "
          "files and the review's diff when the worker committed (one `diff-tree` for the review's diff otherwise), "
          "and `log` for the review request's commit list; plus the run's setup spread over the rounds.")
        w("")
    w("## Repository size")
    w("")
    gsm, gbg = res["repo_size"]["git"]["small"], res["repo_size"]["git"]["big"]
    a = res["repo_size"]["loop"]["overhead_per_round_ms"]
    b = res["repo_size"]["loop-kit"]["overhead_per_round_ms"]
    m5l, m5k = res["repo_size"]["loop"], res["repo_size"]["loop-kit"]
    sa, sb = m5l["steady_round_overhead_ms"], m5k["steady_round_overhead_ms"]
    w(f"With {nbig} files, loop's overhead per round is {a:.0f} ms (steady state {sa:.0f} ms; small repo: {lo:.0f} ms "
      f"and {o['loop']['steady_round_overhead_ms']:.0f} ms) and loop-kit's {b:.0f} ms (steady state {sb:.0f} ms; small "
      f"repo: {lk:.0f} ms and {o['loop-kit']['steady_round_overhead_ms']:.0f} ms). The PM's own git time per round "
      f"(without run setup) goes from {pl['git_small']['per_round_ms']:.0f} to {pl['git_big']['per_round_ms']:.0f} ms "
      f"for loop and from {pk['git_small']['per_round_ms']:.0f} to {pk['git_big']['per_round_ms']:.0f} ms for "
      f"loop-kit. Run start-up (from `loop run` to the first agent): loop {m5l['fresh_startup_s']:.2f} s on the first run "
      f"in the fresh repository, because `git worktree add` checks out all {nbig} files into `.loop/worktrees/T-1`, and "
      f"{_f(m5l['again_startup_s'], 2)} s on later runs that reuse the worktree; loop-kit {m5k['fresh_startup_s']:.2f} s / "
      f"{_f(m5k['again_startup_s'], 2)} s. Over {R} rounds the first start-up adds {m5l['fresh_startup_s'] * 1e3 / R:.0f} ms "
      "per round to loop's number above. loop-kit's worker stand-in does its own `git add -A` and commit, which is "
      "agent time, not overhead.")
    w("")
    w(f"loop's git processes in a {pl['strace']['rounds_profiled']}-round run in the {nbig}-file repo, reusing the "
      "worktree (trace2; count, total ms): "
      + ", ".join(f"`{k}` x{v['count']} {v['total_ms']:.0f}" for k, v in pl["git_big"]["by_command"].items()) + ".")
    w("")
    w("Plain git in the two repositories (hyperfine medians, ms):")
    w("")
    w("| git command | small repo | " + f"{nbig} files |")
    w("|---|---|---|")
    for k in gsm:
        w(f"| `{k}` | {gsm[k]:.1f} | {gbg[k]:.1f} |")
    w("")
    share = pl["git_big"]["per_round_ms"] / max(1e-9, sa) * 100
    w(f"Commands that look at the work tree (`status --porcelain=v1 -z --untracked-files=all`, run by loop after "
      "each worker to find what it left, and `add`/`commit`) scale with the number of files; `diff`, `log` and "
      f"`rev-parse` between two commits do not. In the {nbig}-file repository the PM's git processes account for "
      f"about {share:.0f}% of loop's steady-state per-round overhead.")
    w("")
    w("## How to reproduce")
    w("")
    w("```")
    w("scripts/bench            # builds loop and loop-agent as scripts/install does (scripts/release-build:")
    w("                         # --static-swift-stdlib), makes bench/.venv with agent-task-runner==0.3.1,")
    w("                         # installs hyperfine/time/strace if missing, runs everything, writes")
    w("                         # bench/RESULTS.md and bench/results.json (raw numbers)")
    w("scripts/bench --dynamic  # also builds loop with the shared Swift runtime (.build-dynamic) and measures")
    w("                         # it as a diagnostic (overhead, status, --version, RSS); adds a few minutes once")
    w("scripts/bench --quick    # tiny sizes, to check the harness (a few minutes on a busy machine)")
    w("python3 bench/bench.py --render-only   # rewrite RESULTS.md from results.json")
    w("```")
    w("")
    w("Scratch repositories, agent logs, strace and trace2 files stay in `bench/out/` (ignored by git). "
      "Options: `python3 bench/bench.py --help`.")
    return "\n".join(L) + "\n"

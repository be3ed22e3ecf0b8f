import Testing

extension Reliability {
    /// Issue item 8 — TODO, waits for the built-in agent (`LoopAgent`) to be wired to the
    /// `ollama`/`openai` backends. Planned cases, against a real local HTTP server in the test:
    /// server down at dispatch; connection reset mid-stream; a stream that stalls (idle
    /// timeout); HTTP 429 with and without `Retry-After` (a usage limit, not a failure); HTTP
    /// 500 then success (retry); a body that is not JSON; a tool call naming an unknown tool;
    /// a response that never finishes (dispatch timeout) — each: no hang, no approval, the
    /// round fails cleanly or retries, `usage.jsonl` stays parseable.
    @Suite(.serialized)
    struct ModelServerFaults {
        @Test("TODO: model server faults (issue item 8)", .disabled("TODO: needs the built-in agent wired to a backend; lands later"))
        func pending() {}
    }

    /// Issue item 9 — TODO, waits for the built-in agent's sandboxed tools. Planned cases:
    /// read/write/edit of `../`, absolute paths and symlinks pointing out of the workspace;
    /// `run` writing outside the workspace, reaching the network, or reading `~/.ssh`;
    /// a symlink planted in the workspace then followed by a later tool call; writes into
    /// `.loop/` (the bus) from inside the worktree — each refused, the refusal reported to the
    /// model, nothing outside the workspace changed.
    @Suite(.serialized)
    struct SandboxEscapes {
        @Test("TODO: sandbox escapes (issue item 9)", .disabled("TODO: needs the built-in agent's sandboxed tools; lands later"))
        func pending() {}
    }
}

/// What `loop run` was asked to do, after flags, environment and config are resolved.
package struct RunRequest: Sendable {
    package var loopDir: String
    /// `--task PATH`; nil means `<loop dir>/task_card.json`.
    package var taskPath: String?
    package var options: RunOptions
    /// Option keys the user gave explicitly (flags or environment); on `--resume` these
    /// override what the run started with.
    package var explicitKeys: Set<String>
    package var resume: Bool
    package var reset: Bool
    package var singleRound: Bool
    package var round: Int?
    /// `--standby`: a round subprocess the PM starts ahead of its round. It warms up, then
    /// reads its round number from stdin (end of file: it is not needed and exits).
    package var standby = false
    /// The user's repository folder; nil means the current directory (as `loop run` is used).
    /// In-process tests name it, so they never change the test process's directory.
    package var repository: String?
    /// A batch task's run folder (`.loop/batch/<task_id>/`): its own state, reports and lock;
    /// nil for a single run. Set by the batch PM (`--run-folder`), never by people.
    package var runFolder: String?
    /// The commit a new task worktree starts from instead of the checkout's HEAD: the approved
    /// work of the task's dependencies in a batch (`--base-ref`).
    package var baseRef: String?
    /// The backends config.yaml defines, as resolved for this start; the PM keeps them in
    /// `run/backends.json` for its round subprocesses (`BackendsSnapshot`). Nil: none written.
    package var backends: [String: BackendConfig]?

    package init(
        loopDir: String, taskPath: String?, options: RunOptions, explicitKeys: Set<String> = [], resume: Bool = false,
        reset: Bool = false, singleRound: Bool = false, round: Int? = nil, repository: String? = nil
    ) {
        self.loopDir = loopDir
        self.taskPath = taskPath
        self.options = options
        self.explicitKeys = explicitKeys
        self.resume = resume
        self.reset = reset
        self.singleRound = singleRound
        self.round = round
        self.repository = repository
    }
}

import Foundation
import LoopCore

extension BuiltinBackend {
    /// mini-swe-agent: told where the prompt file is (`-t`), prints plain text (read by
    /// `TextParser`) and writes no report (the PM makes its work report from git). It keeps
    /// its own limits, so there is nothing to bypass.
    static let mini = BuiltinBackend(
        name: "mini", installCommand: "pipx install mini-swe-agent", promptDelivery: .file, parser: .text,
        writesReport: false, bypassFlag: nil
    ) { command in
        ["-y", "--exit-immediately"] + command.modelFlag("-m") + command.extraArgs
            + ["-t", "Read the task in \(command.request.promptFile) and carry it out."]
    }
}

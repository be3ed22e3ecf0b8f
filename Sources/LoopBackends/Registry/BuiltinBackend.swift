import Foundation
import LoopCore

/// An agent CLI `loop` knows how to run without configuration.
///
/// One value holds everything about the CLI: its program, how to install it, its
/// non-interactive command line, how the prompt reaches it and how to read its output. Each
/// lives in its own file under `Backends/` (`BuiltinBackend.codex` in `CodexBackend.swift`,
/// with its parser) and is listed in `BackendRegistry.builtins`. The command lines follow what
/// each CLI documents for headless use (see `Tests/LoopBackendsTests/Fixtures/README.md`).
struct BuiltinBackend: Sendable, Equatable, CustomStringConvertible {
    /// What a built-in's command line is made from, besides the CLI's own flags.
    struct Arguments: Sendable {
        /// The model flag's value, when a model is chosen.
        var model: String?
        /// `backends.<name>.args`: placed after the options and before any trailing prompt
        /// argument, so positional arguments stay last.
        var extraArgs: [String]
        var request: DispatchRequest

        /// `[name, model]`, or nothing when no model is chosen.
        func modelFlag(_ name: String) -> [String] {
            guard let model, !model.isEmpty else { return [] }
            return [name, model]
        }
    }

    /// The backend's name, which is also the program looked up on PATH unless
    /// `backends.<name>.program` says otherwise.
    let name: String
    /// The command that installs the CLI.
    let installCommand: String
    let promptDelivery: PromptDelivery
    let parser: ParserKind
    /// False for CLIs that only edit files; the PM writes their work report from git.
    let writesReport: Bool
    /// The flag that turns off the CLI's own permission checks, which loop passes so the agent
    /// can work unattended; nil for CLIs that ask nothing or keep their own limits.
    let bypassFlag: String?
    /// The arguments after the program name.
    private let makeArguments: @Sendable (Arguments) -> [String]

    init(
        name: String, installCommand: String, promptDelivery: PromptDelivery, parser: ParserKind,
        writesReport: Bool = true, bypassFlag: String?, arguments: @escaping @Sendable (Arguments) -> [String]
    ) {
        self.name = name
        self.installCommand = installCommand
        self.promptDelivery = promptDelivery
        self.parser = parser
        self.writesReport = writesReport
        self.bypassFlag = bypassFlag
        makeArguments = arguments
    }

    /// The program looked up on PATH unless `backends.<name>.program` says otherwise.
    var defaultProgram: String { name }

    /// The short instruction given as an argument to CLIs that also read the full prompt on stdin.
    static let stdinInstruction =
        "Follow the instructions given on stdin. Only finish after writing the report file they ask for."

    /// The arguments after the program name.
    ///
    /// - Parameters:
    ///   - model: the model flag's value, when a model is chosen.
    ///   - extraArgs: `backends.<name>.args`, placed after the options and before any
    ///     trailing prompt argument so positional arguments stay last.
    func arguments(model: String?, extraArgs: [String], request: DispatchRequest) -> [String] {
        makeArguments(Arguments(model: model, extraArgs: extraArgs, request: request))
    }

    /// Built-ins are told apart by name.
    static func == (lhs: BuiltinBackend, rhs: BuiltinBackend) -> Bool { lhs.name == rhs.name }

    var description: String { name }
}

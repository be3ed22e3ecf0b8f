import Foundation
import LoopCore

/// A user's own agent: `backends.<name>.command` in `.loop/config.yaml`, an argv template
/// with `{placeholders}` whose first word is the program.
extension Backend {
    /// A `command` backend from its template: plain-text output and a report of its own
    /// unless config says otherwise; the prompt goes where the template's placeholders say.
    init(name: String, command: [String]) {
        self.init(
            name: name, kind: .command(command), program: command.first ?? "",
            promptDelivery: .inferred(from: command), parser: .text, writesReport: true,
            installHint: "Install it, or fix backends.\(name).command in .loop/config.yaml.")
    }

    /// The command line of a `command` backend, and the same for the log with any argument
    /// that carries the prompt text shown as `<prompt: N bytes>`.
    ///
    /// Placeholders are substituted in the template and in `backends.<name>.args`. When the
    /// template names neither `{prompt}` nor `{prompt_file}` but `prompt_via` asks for one,
    /// the prompt (or its file) is appended.
    func commandArguments(template: [String], model: String?, request: DispatchRequest) -> (
        arguments: [String], display: [String]
    ) {
        var values = request.placeholders
        values["model"] = model ?? ""
        let words = [program] + template.dropFirst() + extraArgs
        var arguments = words.map { CommandTemplate.substitute($0, with: values) }
        var display = zip(words, arguments).map { word, argument in
            CommandTemplate.uses("prompt", in: word) ? "<prompt: \(argument.utf8.count) bytes>" : argument
        }
        if promptDelivery == .arg, !template.contains(where: { CommandTemplate.uses("prompt", in: $0) }) {
            arguments.append(request.prompt)
            display.append("<prompt: \(request.prompt.utf8.count) bytes>")
        }
        if promptDelivery == .file, !template.contains(where: { CommandTemplate.uses("prompt_file", in: $0) }) {
            arguments.append(request.promptFile)
            display.append(request.promptFile)
        }
        return (arguments, display)
    }
}

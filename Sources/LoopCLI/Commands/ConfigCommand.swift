import ArgumentParser
import Foundation
import LoopCore

/// `loop config`: the effective options and where each came from.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective run options and where each came from.",
        discussion: """
            Precedence: flags > LOOP_* environment variables > .loop/config.yaml >
            defaults.

            Example:
              LOOP_MAX_ROUNDS=5 loop config
            """
    )

    @OptionGroup var bus: LoopDirOption
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let resolved = try OptionResolver.resolve(
            configPath: bus.paths.config, environment: ProcessInfo.processInfo.environment, flags: [:])
        let data = try JSONEncoder().encode(resolved.options)
        let object = (try JSONDecoder().decode(JSONValue.self, from: data)).objectValue ?? [:]
        if json {
            var rows: [String: JSONValue] = [:]
            for key in OptionResolver.optionKeys {
                rows[key] = .object([
                    "value": object[key] ?? .null, "source": .string(resolved.sources[key] ?? "default"),
                ])
            }
            try CommandSupport.printJSON(
                JSONValue.object([
                    "options": .object(rows), "backends": .array(resolved.backends.keys.sorted().map { .string($0) }),
                ]))
            return
        }
        for key in OptionResolver.optionKeys {
            let value: String
            switch object[key] ?? .null {
            case .null: value = "(unset)"
            case .bool(let flag): value = String(flag)
            case .number(let number): value = String(Int(number))
            case .string(let text): value = text
            default: value = "?"
            }
            print(
                "\(key.padding(toLength: 24, withPad: " ", startingAt: 0)) \(value.padding(toLength: 14, withPad: " ", startingAt: 0)) \(resolved.sources[key] ?? "default")"
            )
        }
        if !resolved.backends.isEmpty {
            print("configured backends: \(resolved.backends.keys.sorted().joined(separator: ", "))")
        }
        for warning in resolved.warnings { print("warning: \(warning)") }
    }
}

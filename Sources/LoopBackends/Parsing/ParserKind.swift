import Foundation

/// An output format `loop` can read: its name in `parser:` in config.yaml and a way to make
/// a fresh parser for one dispatch.
///
/// Each backend's file under `Backends/` defines its format next to its parser
/// (`ParserKind.claude` beside `ClaudeParser`); `BackendRegistry` lists them.
struct ParserKind: Sendable, Equatable, CustomStringConvertible {
    /// The name used in `parser:` in config.yaml.
    let name: String
    private let make: @Sendable () -> any OutputParser

    init(_ name: String, make: @escaping @Sendable () -> any OutputParser) {
        self.name = name
        self.make = make
    }

    /// A fresh parser for one dispatch.
    func makeParser() -> any OutputParser { make() }

    /// Formats are told apart by name: two values with one name read the same output.
    static func == (lhs: ParserKind, rhs: ParserKind) -> Bool { lhs.name == rhs.name }

    var description: String { name }

    /// Every format, in the order messages list them.
    static var allCases: [ParserKind] { BackendRegistry.parsers }

    /// The format called `name` (case-insensitive), or nil.
    static func named(_ name: String) -> ParserKind? {
        allCases.first { $0.name == name.lowercased() }
    }

    /// The valid names, for error messages.
    static var names: String { allCases.map(\.name).joined(separator: ", ") }
}

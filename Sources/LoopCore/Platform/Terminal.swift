import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the live view and `status --watch` need to know about the terminal.
package enum Terminal {
    /// Whether `fd` is a terminal (`isatty`).
    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Columns of the terminal on `fd`, nil when it is not one or does not say.
    package static func columns(_ fd: Int32 = 1) -> Int? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// Sets an environment variable of this process, inherited by the children it starts
    /// (how `loop run` passes `--plain`/`--quiet` to its round subprocesses).
    package static func export(_ name: String, _ value: String) { setenv(name, value, 1) }

    /// Whether the environment asks for plain output: `NO_COLOR` or `CI` set (any value,
    /// as https://no-color.org says), or `TERM=dumb`.
    package static func prefersPlain(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return true }
        if let ci = environment["CI"], !ci.isEmpty, ci != "false", ci != "0" { return true }
        return environment["TERM"] == "dumb"
    }
}

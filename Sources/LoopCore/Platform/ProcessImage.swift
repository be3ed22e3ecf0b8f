#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces the running process with another program (`execv(2)`).
///
/// `loop agent` becomes `loop-agent` this way: same pid and process group, so the PM's
/// signals, timeouts and leftover cleanup reach the agent exactly as before, and no second
/// process waits in between.
package enum ProcessImage {
    /// Runs `path` with `arguments` (`arguments[0]` is the name it sees) in place of this
    /// process, with SIGPIPE back at its default (dispositions that are ignored survive an
    /// exec). Returns only when the exec failed, with its `errno`.
    package static func replace(with path: String, arguments: [String]) -> Int32 {
        signal(SIGPIPE, SIG_DFL)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        execv(path, argv)
        return errno
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Process-wide C calls that the rest of the code reaches through Swift names.
///
/// The C library is `Glibc` on Linux and `Darwin` on macOS; code that names it (`Glibc.exit`,
/// needed where a Swift method of the same name would shadow the C function) compiles on one
/// of them only. These wrappers name it once, here.
package enum Platform {
    /// Ends the process at once with `code`, running `atexit` handlers and flushing stdio.
    package static func exit(_ code: Int32) -> Never {
        #if canImport(Glibc)
            Glibc.exit(code)
        #elseif canImport(Darwin)
            Darwin.exit(code)
        #endif
    }

    /// `write(2)`: writes up to `count` bytes of `buffer` to `fd` and returns how many it
    /// wrote, or -1 with `errno` set.
    package static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.write(fd, buffer, count)
        #elseif canImport(Darwin)
            Darwin.write(fd, buffer, count)
        #endif
    }

    /// The system's words for an errno value ("No such file or directory").
    package static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    /// One variable of this process's environment as it is now (`getenv`): for code a round
    /// runs often, where `ProcessInfo`'s `environment` would copy every variable to read one.
    package static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Makes writing to a pipe whose reader has gone an `EPIPE` error the writer handles,
    /// instead of a SIGPIPE that kills the process without a word.
    package static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// The absolute path of this process's executable, or nil when the system does not say.
    ///
    /// Linux reads the `/proc/self/exe` link; other systems ask Foundation.
    package static var executablePath: String? {
        #if os(Linux)
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        #else
            Bundle.main.executablePath
        #endif
    }
}

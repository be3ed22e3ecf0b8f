import CLoopShims
package import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Signals, liveness and the process table, in one place.
package enum ProcessControl {
    /// True when a process with this pid exists and is not a zombie.
    package static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) != 0 && errno == ESRCH { return false }
        return processState(pid) != "Z"
    }

    /// True when any non-zombie member of process group `pgid` remains.
    package static func isGroupAlive(_ pgid: pid_t) -> Bool {
        guard pgid > 0 else { return false }
        if kill(-pgid, 0) != 0 && errno == ESRCH { return false }
        #if os(Linux)
            return processes().contains { $0.pgid == pgid && $0.state != "Z" }
        #else
            // No procfs to tell zombies apart: a group that takes signals is alive.
            return true
        #endif
    }

    /// Sends `signal` to every process of group `pgid`; ESRCH (already gone) is not an error.
    package static func signalGroup(_ pgid: pid_t, _ signal: Int32) {
        guard pgid > 1 else { return }
        _ = kill(-pgid, signal)
    }

    /// SIGTERM to the group, up to `grace` for it to go, then SIGKILL to whatever is left.
    package static func terminateGroup(_ pgid: pid_t, grace: Duration = .seconds(3)) async {
        signalGroup(pgid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, isGroupAlive(pgid) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        signalGroup(pgid, SIGKILL)
    }

    /// Asks the kernel to send `signal` to this process when its parent dies (Linux only).
    ///
    /// Round subprocesses use it so a PM killed with SIGKILL never leaves a round running.
    package static func dieWithParent(signal: Int32 = SIGTERM) {
        _ = loop_set_parent_death_signal(signal)
    }

    /// One row of the process table.
    package struct ProcessEntry: Sendable, Equatable {
        package var pid: pid_t
        package var pgid: pid_t
        package var state: String
    }

    /// The process table from `/proc` (empty where there is no procfs).
    package static func processes() -> [ProcessEntry] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var entries: [ProcessEntry] = []
        for name in names {
            guard let pid = pid_t(name), let stat = statFields(pid) else { continue }
            entries.append(ProcessEntry(pid: pid, pgid: stat.pgid, state: stat.state))
        }
        return entries
    }

    /// Pids whose environment has `key=value` (ourselves excluded).
    package static func processes(withEnvironment key: String, value: String) -> [ProcessEntry] {
        let needle = Data("\(key)=\(value)\u{0}".utf8)
        let me = getpid()
        return processes().filter { entry in
            guard entry.pid != me, entry.state != "Z",
                let environ = FileManager.default.contents(atPath: "/proc/\(entry.pid)/environ")
            else { return false }
            var data = Data([0])
            data.append(environ)
            return data.range(of: Data([0]) + needle) != nil
        }
    }

    static func processState(_ pid: pid_t) -> String? {
        statFields(pid)?.state
    }

    private static func statFields(_ pid: pid_t) -> (state: String, pgid: pid_t)? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat"),
            let text = String(data: data, encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 3, let pgid = pid_t(fields[2]) else { return nil }
        return (String(fields[0]), pgid)
    }
}

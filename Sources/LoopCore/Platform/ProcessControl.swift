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
        /// When the process started, in clock ticks since boot (`/proc/<pid>/stat` field 22).
        package var startTime: UInt64 = 0
    }

    /// The process table from `/proc` (empty where there is no procfs).
    package static func processes() -> [ProcessEntry] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var entries: [ProcessEntry] = []
        for name in names {
            guard let pid = pid_t(name), let entry = entry(pid) else { continue }
            entries.append(entry)
        }
        return entries
    }

    /// Pids whose environment has `key=value` (ourselves excluded).
    ///
    /// `startedSinceSelf` looks only at processes that started no earlier than this one: what a
    /// dispatch of this process left behind cannot be older. It spares reading the environment
    /// of every other process on the machine, which made a sweep cost milliseconds.
    package static func processes(
        withEnvironment key: String, value: String, startedSinceSelf: Bool = false
    ) -> [ProcessEntry] {
        let needle = Array("\0\(key)=\(value)\0".utf8)
        let me = getpid()
        let since = startedSinceSelf ? (entry(me)?.startTime ?? 0) : 0
        return processes().filter { entry in
            guard entry.pid != me, entry.state != "Z", entry.startTime >= since,
                let environ = readProcFile("/proc/\(entry.pid)/environ", limit: 1 << 20)
            else { return false }
            return ([0] + environ).firstRange(of: needle) != nil
        }
    }

    static func processState(_ pid: pid_t) -> String? {
        entry(pid)?.state
    }

    /// State, process group and start time from `/proc/<pid>/stat`.
    private static func entry(_ pid: pid_t) -> ProcessEntry? {
        guard let bytes = readProcFile("/proc/\(pid)/stat", limit: 4096),
            let close = bytes.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        // After the command name: state(3) ppid(4) pgrp(5) … starttime(22), i.e. fields 0, 2 and 19 here.
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 19, let pgid = pid_t(String(decoding: fields[2], as: UTF8.self)) else { return nil }
        return ProcessEntry(
            pid: pid, pgid: pgid, state: String(decoding: fields[0], as: UTF8.self),
            startTime: UInt64(String(decoding: fields[19], as: UTF8.self)) ?? 0)
    }

    /// A small `/proc` file's bytes with plain open/read (no Foundation file object per call:
    /// a sweep reads one or two files of every process).
    private static func readProcFile(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            result.append(contentsOf: buffer[0..<count])
        }
        return result
    }
}

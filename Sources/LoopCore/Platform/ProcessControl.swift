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

    /// Makes this process the reaper of its orphaned descendants (Linux): whatever a dispatch
    /// leaves behind — even after `setsid` and a double fork — then stays in this process's
    /// subtree, where `descendants()` finds it without reading every process on the machine.
    /// The process that runs a round calls it; false where the system has no such thing.
    @discardableResult
    package static func becomeSubreaper() -> Bool {
        loop_set_child_subreaper() == 0
    }

    /// True when this process reaps its orphaned descendants (`becomeSubreaper`).
    package static var isSubreaper: Bool { loop_is_child_subreaper() != 0 }

    /// This process's living descendants, from the kernel's per-thread `children` lists
    /// (`/proc/<pid>/task/<tid>/children`); nil where the kernel does not keep them.
    package static func descendants() -> [pid_t]? {
        let me = getpid()
        var found: [pid_t] = []
        var seen: Set<pid_t> = [me]
        var pending = [me]
        while let pid = pending.popLast() {
            guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else {
                if pid == me { return nil }
                continue  // gone meanwhile
            }
            for task in tasks {
                guard let list = readProcFile("/proc/\(pid)/task/\(task)/children", limit: 1 << 20) else {
                    if pid == me { return nil }
                    continue
                }
                for field in list.split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }) {
                    guard let child = pid_t(String(decoding: field, as: UTF8.self)), seen.insert(child).inserted else { continue }
                    found.append(child)
                    pending.append(child)
                }
            }
        }
        return found
    }

    /// Waits (up to about 100 ms) for those of `pids` that are this process's children and were
    /// just killed, so they do not stay behind as zombies; others are left alone.
    package static func collectZombies(_ pids: [pid_t]) {
        var waiting = pids
        for _ in 0..<20 where !waiting.isEmpty {
            waiting.removeAll { pid in
                let result = waitpid(pid, nil, WNOHANG)
                return result == pid || (result < 0 && errno == ECHILD)
            }
            if !waiting.isEmpty { usleep(5_000) }
        }
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
        let me = getpid()
        let since = startedSinceSelf ? (entry(me)?.startTime ?? 0) : 0
        return processes().filter { entry in
            entry.pid != me && entry.startTime >= since && hasEnvironment(entry, key: key, value: value)
        }
    }

    /// This process's descendants whose environment has `key=value`; nil where the kernel
    /// does not list children (then only `processes(withEnvironment:)` can tell).
    package static func descendants(withEnvironment key: String, value: String) -> [ProcessEntry]? {
        guard let pids = descendants() else { return nil }
        return pids.compactMap(entry).filter { hasEnvironment($0, key: key, value: value) }
    }

    private static func hasEnvironment(_ entry: ProcessEntry, key: String, value: String) -> Bool {
        guard entry.state != "Z", let environ = readProcFile("/proc/\(entry.pid)/environ", limit: 1 << 20) else {
            return false
        }
        return ([0] + environ).firstRange(of: Array("\0\(key)=\(value)\0".utf8)) != nil
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

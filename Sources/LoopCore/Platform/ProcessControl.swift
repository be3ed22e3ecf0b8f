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
    ///
    /// - Parameter createdAt: when the group was made (`realtimeSecond()` just before its leader
    ///   was started), if known: no member can be older, so the `stat` files of the processes
    ///   that are need not be read (see `processes(withEnvironment:)`).
    package static func isGroupAlive(_ pgid: pid_t, createdAt: Int? = nil) -> Bool {
        guard pgid > 0 else { return false }
        if kill(-pgid, 0) != 0 && errno == ESRCH { return false }
        #if os(Linux)
            return procPIDs(listedSince: createdAt.map { $0 - procEntryClockSlack }).contains { pid in
                guard let entry = entry(pid) else { return false }
                return entry.pgid == pgid && entry.state != "Z"
            }
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
        procPIDs(listedSince: nil).compactMap { entry($0) }
    }

    /// Pids whose environment has `key=value` (ourselves excluded).
    ///
    /// `startedSinceSelf` looks only at processes that started no earlier than this one: what a
    /// dispatch of this process left behind cannot be older. It spares reading the environment
    /// of every other process on the machine, and — through the age of each `/proc/<pid>`
    /// entry, one `fstatat` — reading the `stat` file of nearly every one: a sweep runs after
    /// every agent and verify run, and those reads took about 1 ms each time here (70 processes).
    package static func processes(
        withEnvironment key: String, value: String, startedSinceSelf: Bool = false
    ) -> [ProcessEntry] {
        let needle = Array("\0\(key)=\(value)\0".utf8)
        let me = getpid()
        let own = startedSinceSelf ? entry(me) : nil
        let since = own?.startTime ?? 0
        let candidates = procPIDs(listedSince: own.flatMap { entrySecondsFloor(startedAt: $0.startTime) })
        return candidates.compactMap { pid -> ProcessEntry? in
            guard pid != me, let entry = entry(pid), entry.state != "Z", entry.startTime >= since,
                let environ = readProcFile("/proc/\(pid)/environ", limit: 1 << 20)
            else { return nil }
            return ([0] + environ).firstRange(of: needle) != nil ? entry : nil
        }
    }

    /// The current realtime second, to compare with the age of `/proc` entries.
    package static func realtimeSecond() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int(now.tv_sec)
    }

    /// How much earlier than a process's start its `/proc` entry may look (realtime seconds):
    /// clock adjustments while the run goes, and the coarse clock the kernel stamps entries with.
    static let procEntryClockSlack = 60

    /// The realtime second before which no `/proc/<pid>` entry of a process started at
    /// `startTicks` (clock ticks since boot, `stat` field 22) or later can have appeared,
    /// with `procEntryClockSlack` to spare; nil when the clocks cannot be read.
    private static func entrySecondsFloor(startedAt startTicks: UInt64) -> Int? {
        #if os(Linux)
            var real = timespec()
            var boot = timespec()
            let ticks = sysconf(Int32(_SC_CLK_TCK))
            guard ticks > 0, clock_gettime(CLOCK_REALTIME, &real) == 0, clock_gettime(CLOCK_BOOTTIME, &boot) == 0
            else { return nil }
            let sinceStart = Int(boot.tv_sec) - Int(startTicks / UInt64(ticks))
            return Int(real.tv_sec) - sinceStart - procEntryClockSlack
        #else
            return nil
        #endif
    }

    /// The pids `/proc` lists. With `listedSince`, only those whose `/proc/<pid>` entry is not
    /// older than that realtime second: procfs makes a pid's entry when it is first looked up
    /// and drops it when the process exits, so an older entry belongs to a process that was
    /// running before then. An entry whose age cannot be read is kept.
    private static func procPIDs(listedSince floor: Int?) -> [pid_t] {
        #if os(Linux)
            guard let directory = opendir("/proc") else { return [] }
            defer { closedir(directory) }
            let fd = dirfd(directory)
            var pids: [pid_t] = []
            while let item = readdir(directory) {
                let parsed: pid_t? = withUnsafeBytes(of: &item.pointee.d_name) { raw in
                    var pid: pid_t = 0
                    for byte in raw {
                        if byte == 0 { break }
                        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), pid < pid_t.max / 10 else {
                            return nil
                        }
                        pid = pid * 10 + pid_t(byte - UInt8(ascii: "0"))
                    }
                    return pid > 0 ? pid : nil
                }
                guard let pid = parsed else { continue }
                if let floor {
                    var info = stat()
                    let listed = withUnsafeBytes(of: &item.pointee.d_name) { raw -> Int32 in
                        guard let name = raw.baseAddress?.assumingMemoryBound(to: CChar.self) else { return -1 }
                        return fstatat(fd, name, &info, 0)
                    }
                    if listed == 0, Int(info.st_ctim.tv_sec) < floor { continue }
                }
                pids.append(pid)
            }
            return pids
        #else
            return []
        #endif
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

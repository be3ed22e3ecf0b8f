#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import LoopCore

/// Process facts from `/proc`: memory, names, groups. A zombie counts as gone (PID 1 here
/// does not reap).
enum ProcFS {
    /// `VmHWM` and `VmRSS` of a process, in KiB.
    static func memory(_ pid: pid_t) -> (hwm: Int, rss: Int)? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/status") else { return nil }
        var hwm: Int?
        var rss: Int?
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2 else { continue }
            if parts[0] == "VmHWM:" { hwm = Int(parts[1]) }
            if parts[0] == "VmRSS:" { rss = Int(parts[1]) }
        }
        guard let hwm, let rss else { return nil }
        return (hwm, rss)
    }

    /// The command name (`comm`) of a process.
    static func name(_ pid: pid_t) -> String? {
        FileManager.default.contents(atPath: "/proc/\(pid)/comm")
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Live (non-zombie) members of process group `pgid`.
    static func members(ofGroup pgid: pid_t) -> [pid_t] {
        ProcessControl.processes().filter { $0.pgid == pgid && $0.state != "Z" }.map(\.pid)
    }

    /// Live processes whose environment has `LOOP_BUS_DIR=<bus>` (the agents of a bus and their children).
    static func agents(ofBus bus: String) -> [ProcessControl.ProcessEntry] {
        ProcessControl.processes(withEnvironment: "LOOP_BUS_DIR", value: bus)
    }
}

/// Samples the memory of every `loop` process in a PM's process group (the outer PM and its
/// round subprocesses) until stopped.
final class MemorySampler: Sendable {
    struct Peak: Sendable {
        var hwmKiB = 0
        var rssKiB = 0
        var samples = 0
    }

    private let peak = Locked(Peak())
    private let task: Task<Void, Never>

    init(group: pid_t, every interval: Duration = .milliseconds(100)) {
        let peak = self.peak
        task = Task {
            while !Task.isCancelled {
                for pid in ProcFS.members(ofGroup: group) where ProcFS.name(pid) == "loop" {
                    guard let memory = ProcFS.memory(pid) else { continue }
                    peak.withLock { value in
                        value.hwmKiB = max(value.hwmKiB, memory.hwm)
                        value.rssKiB = max(value.rssKiB, memory.rss)
                        value.samples += 1
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Stops sampling and returns the peaks seen.
    func stop() -> Peak {
        task.cancel()
        return peak.value
    }
}

package import Foundation

/// Small file helpers with user-facing errors.
package enum Filesystem {
    /// Creates a folder and its parents; succeeds when it already exists.
    package static func createDirectory(_ path: String) throws {
        guard !path.isEmpty else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw LoopError.other("Cannot create folder \(path): \(error.localizedDescription)", .configError)
        }
    }

    package static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    package static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Reads a file, refusing anything larger than `limit` bytes (bus files are small by contract).
    package static func read(_ path: String, limit: Int = 5 * 1024 * 1024) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LoopError.missingFile(path: path, hint: "")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
        if data.count > limit {
            throw LoopError.invalidJSON(path: path, detail: "file is larger than \(limit / 1024 / 1024) MiB")
        }
        return data
    }

    /// Modification time of a file, or nil when it does not exist.
    package static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// Absolute, standardized form of `path` relative to `base` (the current folder by default).
    package static func absolute(_ path: String, base: String = FileManager.default.currentDirectoryPath) -> String {
        let joined = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }

    /// Copies a file (overwriting atomically) when the source exists. Returns whether it copied.
    @discardableResult
    package static func copyIfPresent(_ source: String, to destination: String, durable: Bool = true) throws -> Bool {
        guard exists(source), let data = FileManager.default.contents(atPath: source) else { return false }
        try AtomicFile.write(data, to: destination, durable: durable)
        return true
    }
}

import Foundation
package import LoopCore

/// Reads bus files with a size bound, so no request makes the server hold a huge file in
/// memory or send it whole.
package enum BoundedFile {
    /// The largest JSON document read (PROTOCOL.md: bus JSON over 5 MiB is refused).
    package static let jsonLimit = 5 * 1024 * 1024

    /// A regular file's JSON as a value; nil when it is missing, a symlink, too large or not JSON.
    package static func json(_ path: String) -> JSONValue? {
        guard let size = regularFileSize(path), size <= jsonLimit,
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The last `limit` bytes of a regular file (from a line start when it was cut), its full
    /// size, and whether it was cut; nil when the file is missing or not a regular file.
    package static func tail(_ path: String, limit: Int) -> (text: String, size: Int, truncated: Bool)? {
        guard let size = regularFileSize(path), let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let start = max(0, size - limit)
        guard (try? handle.seek(toOffset: UInt64(start))) != nil,
            var data = try? handle.read(upToCount: limit) ?? Data()
        else { return nil }
        if start > 0, let newline = data.firstIndex(of: UInt8(ascii: "\n")) {
            data = data[data.index(after: newline)...]
        }
        return (String(decoding: data, as: UTF8.self), size, start > 0)
    }

    /// The size of a regular file that is not a symlink; nil otherwise.
    package static func regularFileSize(_ path: String) -> Int? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            attributes[.type] as? FileAttributeType == .typeRegular
        else { return nil }
        return (attributes[.size] as? NSNumber)?.intValue
    }
}

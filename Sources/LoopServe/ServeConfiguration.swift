import Foundation
package import LoopCore

/// What `loop serve` / `loop-serve` was asked for, checked before anything listens.
package struct ServeConfiguration: Sendable {
    package var host: String
    package var port: UInt16
    package var paths: BusPaths
    package var token: String?
    /// The `loop` executable that runs pause/continue/stop; nil without `--allow-control`.
    package var controlExecutable: String?

    package static let defaultHost = "127.0.0.1"
    package static let defaultPort: UInt16 = 8787

    /// - Throws: `LoopError.config` (exit 1), one line each: an address that is not IPv4, a
    ///   non-loopback address without `--token`, a token too short or with characters a cookie
    ///   cannot carry, a bus folder that does not exist.
    package init(host: String, port: UInt16, paths: BusPaths, token: String?, controlExecutable: String?) throws {
        let address = host == "localhost" ? Self.defaultHost : host
        guard Self.isIPv4(address) else {
            throw LoopError.config("--host \(host) is not an IPv4 address. Give one such as 127.0.0.1 or 0.0.0.0.")
        }
        if let token {
            guard token.count >= 16, token.unicodeScalars.allSatisfy(Self.isTokenCharacter) else {
                throw LoopError.config(
                    "--token must be at least 16 characters of letters, digits, '-', '_', '.' or '~' (e.g. `openssl rand -hex 16`)."
                )
            }
        } else if !Self.isLoopback(address) {
            throw LoopError.config(
                "--host \(host) is reachable from other machines: give --token <secret> too (e.g. `--token $(openssl rand -hex 16)`), or keep the default 127.0.0.1."
            )
        }
        guard Filesystem.exists(paths.shared) else {
            throw LoopError.config(
                "No bus at \(paths.display(paths.shared)). Run loop serve in a repository where `loop init` ran, or pass --loop-dir."
            )
        }
        self.host = address
        self.port = port
        self.paths = paths
        self.token = token
        self.controlExecutable = controlExecutable
    }

    /// 127.0.0.0/8.
    package static func isLoopback(_ address: String) -> Bool { address.hasPrefix("127.") }

    private static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCII) && Int(part).map { $0 <= 255 } == true
            }
    }

    private static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || "-_.~".unicodeScalars.contains(scalar)
    }
}

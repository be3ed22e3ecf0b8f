import Foundation

/// Who may read the dashboard.
///
/// On 127.0.0.1 without a token anyone on this machine may (as with `loop status`), but only
/// under a loopback `Host` name, so a web page elsewhere cannot reach the API through DNS
/// rebinding. With a token (required for any other address) every request must carry it: an
/// `Authorization: Bearer <token>` header, the `loop_token` cookie, or `?token=` on the page's
/// address (answered with the cookie, so the page's own requests and its event stream carry it).
package struct AccessCheck: Sendable {
    package static let cookieName = "loop_token"

    package var token: String?
    /// `Host` header values accepted when there is no token (`127.0.0.1:<port>`, `localhost:<port>`).
    package var loopbackHosts: Set<String>

    package enum Decision: Equatable, Sendable {
        case allowed
        /// Allowed by `?token=`: the response sets the cookie.
        case allowedSettingCookie
        case refused(String)
    }

    package init(token: String?, port: UInt16) {
        self.token = token
        loopbackHosts = ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"]
    }

    /// Decides one request from its headers and query.
    package func decide(authorization: String?, cookie: String?, host: String?, queryToken: String?) -> Decision {
        guard let token else {
            guard let host, loopbackHosts.contains(host.lowercased()) else {
                return .refused("Host \(host ?? "(none)") is not this machine's loopback address.")
            }
            return .allowed
        }
        if let authorization, authorization.hasPrefix("Bearer "),
            Self.same(String(authorization.dropFirst("Bearer ".count)), token)
        {
            return .allowed
        }
        if let value = Self.cookieValue(cookie), Self.same(value, token) { return .allowed }
        if let queryToken, Self.same(queryToken, token) { return .allowedSettingCookie }
        return .refused("A token is required: send `Authorization: Bearer <token>` or open /?token=<token>.")
    }

    /// The `Set-Cookie` value that carries the token for the page's later requests.
    package var setCookie: String? {
        token.map { "\(Self.cookieName)=\($0); Path=/; HttpOnly; SameSite=Strict" }
    }

    /// `loop_token`'s value in a `Cookie` header.
    private static func cookieValue(_ header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == cookieName { return String(parts[1]) }
        }
        return nil
    }

    /// Compares in time that depends on the length only, not on where the first difference is.
    private static func same(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8)
        let b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

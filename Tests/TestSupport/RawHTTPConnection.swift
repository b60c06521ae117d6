import Foundation

/// A plain TCP connection to 127.0.0.1 for sending a request in pieces, so a test can hold a request in flight.
package final class RawHTTPConnection {
    private let fd: Int32

    /// Connects to `127.0.0.1:port`.
    package init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNREFUSED)
        }
    }

    deinit { close(fd) }

    /// Writes all of `bytes`.
    package func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw POSIXError(.EPIPE) }
            offset += written
        }
    }

    /// Reads one response and returns its status code and body; `nil` if the connection closes or `timeout` passes first.
    package func readResponse(timeout: Duration = .seconds(30)) -> (status: Int, body: String)? {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8]()
        while ContinuousClock.now < deadline {
            if let response = Self.parse(buffer) { return response }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 16384)
            let count = recv(fd, &chunk, chunk.count, 0)
            if count <= 0 { return Self.parse(buffer) }
            buffer += chunk[..<count]
        }
        return nil
    }

    private static func parse(_ bytes: [UInt8]) -> (status: Int, body: String)? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headEnd.lowerBound]
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        let length =
            lines.dropFirst().first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        let body = text[headEnd.upperBound...]
        guard body.utf8.count >= length else { return nil }
        return (status, String(body))
    }
}

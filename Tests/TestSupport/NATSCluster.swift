import Foundation

/// Real `nats-server` processes with JetStream on loopback, each with its own ports and data folder: one node, or
/// three clustered. Stopped (SIGKILL) and their folders removed by ``stop()``.
package final class NATSCluster: @unchecked Sendable {
    package struct Node {
        package let name: String
        package let clientPort: Int
        let clusterPort: Int
        let directory: String
        var process: Process?
    }

    package private(set) var nodes: [Node]
    package let root: String

    package var urls: [String] { nodes.map { "nats://127.0.0.1:\($0.clientPort)" } }

    private init(size: Int) {
        let root = NSTemporaryDirectory() + "nats-\(UUID().uuidString)"
        self.root = root
        nodes = (0..<size).map { index in
            Node(
                name: "n\(index + 1)", clientPort: Self.freePort(), clusterPort: Self.freePort(),
                directory: root + "/n\(index + 1)", process: nil)
        }
    }

    /// Starts `size` nodes (clustered when more than one) and waits until each listens.
    package static func launch(size: Int) async throws -> NATSCluster {
        let cluster = NATSCluster(size: size)
        do {
            for index in cluster.nodes.indices { try await cluster.start(index) }
        } catch {
            cluster.stop()
            throw error
        }
        return cluster
    }

    /// A port nobody listens on now (the kernel's pick for port 0).
    static func freePort() -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts node `index` (again, after ``kill(_:)``, on the same ports and folder).
    package func start(_ index: Int) async throws {
        let node = nodes[index]
        try FileManager.default.createDirectory(atPath: node.directory, withIntermediateDirectories: true)
        var arguments = [
            "-js", "-a", "127.0.0.1", "-p", "\(node.clientPort)", "-sd", node.directory, "--server_name", node.name,
        ]
        if nodes.count > 1 {
            let routes = nodes.filter { $0.name != node.name }.map { "nats://127.0.0.1:\($0.clusterPort)" }.joined(
                separator: ",")
            arguments += [
                "--cluster_name", "switchyard-test", "--cluster", "nats://127.0.0.1:\(node.clusterPort)", "--routes",
                routes,
            ]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.serverPath)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        nodes[index].process = process
        let port = node.clientPort
        guard await waitUntil(timeout: .seconds(20), every: .milliseconds(20), { Self.accepts(port) }) else {
            throw NSError(
                domain: "NATSCluster", code: 1,
                userInfo: [NSLocalizedDescriptionKey: "nats-server \(node.name) did not listen on \(port) within 20 s"])
        }
    }

    /// Debian's `nats-server` (in /usr/sbin), or the first on PATH.
    static let serverPath: String = {
        let candidates =
            ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/nats-server" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "nats-server"
    }()

    /// SIGKILL of node `index`.
    package func kill(_ index: Int) {
        guard let process = nodes[index].process else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        nodes[index].process = nil
    }

    package func stop() {
        for index in nodes.indices { kill(index) }
        try? FileManager.default.removeItem(atPath: root)
    }

    static func accepts(_ port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

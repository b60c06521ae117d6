import Foundation

/// A real child process whose standard output the test reads line by line, with deadlines.
package final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()
    private var buffer = [UInt8]()
    private var ended = false

    /// Starts `executable` with `arguments` and extra `environment` variables.
    /// With `mergeStandardError`, the child's standard error is read as output too.
    package init(
        executable: String, arguments: [String], environment: [String: String] = [:], mergeStandardError: Bool = false
    ) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = mergeStandardError ? output : FileHandle.standardError
        try process.run()
    }

    /// The child's process id.
    package var pid: Int32 { process.processIdentifier }

    /// The next line of output, or `nil` at end of output or when `timeout` (scaled by ``testTimeScale``) passes first.
    /// The wait runs on a thread of its own, never on Swift's cooperative pool.
    package func readLine(timeout: Duration = .seconds(30)) async -> String? {
        await Self.onOwnThread { self.blockingReadLine(timeout: timeout) }
    }

    private func blockingReadLine(timeout: Duration) -> String? {
        let deadline = ContinuousClock.now + scaled(timeout)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if ended { return nil }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return nil }
            let ms = Int32(
                min(
                    remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000, 1000
                ))
            var fd = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&fd, 1, max(ms, 1)) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(fd.fd, &chunk, chunk.count)
            if count <= 0 { ended = true } else { buffer.append(contentsOf: chunk[..<count]) }
        }
    }

    /// Closes this end of the child's standard output, as a reader that goes away would: the child's next write
    /// there fails (`EPIPE`). Nothing more can be read after this.
    package func closeOutput() {
        try? output.fileHandleForReading.close()
        ended = true
    }

    /// Sends `signal` to the child.
    package func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the child to exit and returns its status. It blocks: call it once the child was told to end.
    package func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Runs blocking `work` on a new thread and returns its result, so that no cooperative thread waits on it.
    private static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.start()
        }
    }

    /// Whether the child was ended by a signal.
    package var wasSignalled: Bool { process.terminationReason == .uncaughtSignal }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }
}

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Threads of their own that run synchronous work from one queue, so that blocking storage calls and long
/// computations never run on a NIO event loop or Swift's cooperative pool.
///
/// With one thread, jobs run one at a time in the order queued (the views writer). A pool may run at a lower
/// scheduling priority (`niceness`, Linux): under load the kernel then gives the CPU to request handling first.
public final class ThreadPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false
    /// How many threads take jobs.
    public let count: Int

    /// Starts `threads` threads named `name` (as `top -H` shows them; Linux keeps the first 15 bytes), each at `niceness` (0, the default, is the process's own priority;
    /// higher values yield to other threads under load; ignored where threads cannot have their own).
    public init(name: String, threads: Int = 1, niceness: Int32 = 0) {
        count = max(1, threads)
        for _ in 0..<count {
            let thread = Thread { [self] in
                #if os(Linux)
                // On Linux the nice value belongs to each thread, and `who` 0 is the calling one.
                if niceness != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
                #endif
                Self.nameCurrentThread(name)
                loop()
            }
            thread.start()
        }
    }

    /// Names the calling thread `name` where the system keeps thread names (Linux: the first 15 bytes), as
    /// `top -H` and profilers show it.
    static func nameCurrentThread(_ name: String) {
        Thread.current.name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
    }

    /// Runs `body` on one of the threads and returns its result.
    public func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            if !submit({ continuation.resume(with: Result { try body() }) }) {
                continuation.resume(throwing: EventLogError(.closed, "the worker thread has stopped"))
            }
        }
    }

    /// Queues `job` to run on a thread; returns `false` (and drops it) once the pool is stopping.
    @discardableResult
    public func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Lets the queued jobs finish, then ends the threads.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

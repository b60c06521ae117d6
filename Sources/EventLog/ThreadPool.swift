import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Threads of their own that run synchronous work from one queue, so that blocking storage calls and long
/// computations never run on a NIO event loop or Swift's cooperative pool.
///
/// Jobs run in order of their `priority` (lowest first), and in the order queued among equal priorities; with one
/// thread and the default priority, one at a time in the order queued (the views writer). The projections use the
/// priority to let the one furthest behind go first. A pool may run at a lower scheduling priority (`niceness`,
/// Linux): under load the kernel then gives the CPU to request handling first.
package final class ThreadPool: @unchecked Sendable {
    private let condition = NSCondition()
    /// Queued jobs, sorted by priority, then by the order queued.
    private var jobs: [(priority: UInt64, job: () -> Void)] = []
    private var stopping = false
    /// How many threads take jobs.
    package let count: Int

    /// Starts `threads` threads named `name` (as `top -H` shows them; Linux keeps the first 15 bytes), each at
    /// `niceness` (0, the default, is the process's own priority; higher values yield to other threads under load;
    /// ignored where threads cannot have their own).
    package init(name: String, threads: Int = 1, niceness: Int32 = 0) {
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

    /// Runs `body` on one of the threads, after the jobs queued with a lower or equal `priority`, and returns its result.
    package func run<R: Sendable>(priority: UInt64 = 0, _ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            if !submit(priority: priority, { continuation.resume(with: Result { try body() }) }) {
                continuation.resume(throwing: EventLogError(.closed, "the worker thread has stopped"))
            }
        }
    }

    /// Queues `job` to run on a thread after the jobs queued with a lower or equal `priority`; returns `false` (and
    /// drops it) once the pool is stopping.
    @discardableResult
    package func submit(priority: UInt64 = 0, _ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        if let last = jobs.last, last.priority > priority {
            // After every job of a lower or equal priority: the first of a higher one, found by halving.
            var low = 0, high = jobs.count - 1
            while low < high {
                let middle = (low + high) / 2
                if jobs[middle].priority > priority { high = middle } else { low = middle + 1 }
            }
            jobs.insert((priority, job), at: low)
        } else {
            jobs.append((priority, job))
        }
        condition.signal()
        return true
    }

    /// Lets the queued jobs finish, then ends the threads.
    package func stop() {
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
            let job = jobs.removeFirst().job
            condition.unlock()
            job()
        }
    }
}

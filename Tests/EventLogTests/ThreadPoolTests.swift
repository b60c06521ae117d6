import EventLog
import Foundation
import Synchronization
import Testing

@Suite("Worker threads")
struct ThreadPoolTests {
    @Test("queued jobs run lowest priority first, and in the order queued among equal priorities")
    func priorityOrder() async throws {
        let pool = ThreadPool(name: "test-pool")
        defer { pool.stop() }
        // Hold the one thread, so that every job below is queued before any runs.
        let gate = DispatchSemaphore(value: 0)
        let started = Mutex(false)
        pool.submit {
            started.withLock { $0 = true }
            gate.wait()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while !started.withLock({ $0 }) {
            #expect(ContinuousClock.now < deadline, "the first job never started")
            try await Task.sleep(for: .milliseconds(1))
        }
        let order = Mutex([String]())
        let queued: [(UInt64, String)] = [(5, "a"), (1, "b"), (5, "c"), (3, "d"), (1, "e"), (0, "f"), (7, "g")]
        for (priority, name) in queued {
            pool.submit(priority: priority) { order.withLock { $0.append(name) } }
        }
        gate.signal()
        // The last job of the lowest priority queued after the rest: it runs last of all.
        _ = try await pool.run(priority: .max) { () }
        #expect(order.withLock { $0 } == ["f", "b", "e", "d", "a", "c", "g"])
    }
}

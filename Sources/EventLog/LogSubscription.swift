/// Every event from a position on: first those already in the log, then each new one as it commits.
///
/// Events come in position order with no gap and no repeat, because the sequence always reads the log itself
/// and only waits when it has read everything up to the head. It ends when the log closes or its task is
/// cancelled.
package struct LogSubscription: AsyncSequence, Sendable {
    /// The element type.
    package typealias Element = Event
    /// The failure type.
    package typealias Failure = any Error

    let log: LMDBEventLog
    let start: UInt64
    let batchSize: Int

    /// Creates the iterator.
    package func makeAsyncIterator() -> Iterator {
        Iterator(log: log, next: Swift.max(start, 1), batchSize: batchSize)
    }

    /// Reads a batch of events at a time.
    package struct Iterator: AsyncIteratorProtocol {
        let log: LMDBEventLog
        var next: UInt64
        let batchSize: Int
        var buffer: [Event] = []
        var index = 0

        /// The next event, or `nil` when the log closed or the task was cancelled.
        package mutating func next() async throws -> Event? {
            while index == buffer.count {
                if Task.isCancelled || !log.isOpen { return nil }
                buffer = try log.events(from: next, limit: batchSize)
                index = 0
                if buffer.isEmpty {
                    guard await log.watch.wait(forPosition: next) else {
                        if log.watch.head >= next { continue }
                        return nil
                    }
                }
            }
            defer { index += 1 }
            let event = buffer[index]
            next = event.position + 1
            return event
        }
    }
}

extension LMDBEventLog {
    /// Every event from `position` on; see ``LogSubscription``.
    package func subscribe(from position: UInt64) -> LogSubscription {
        LogSubscription(log: self, start: position, batchSize: 256)
    }

    /// Waits until the head passes `position`, watching the head rather than reading the log; `false` when the log
    /// closed or the task was cancelled first.
    package func waitForEvents(after position: UInt64) async throws -> Bool {
        guard !watch.isClosed else { return false }
        return await watch.wait(forPosition: position + 1)
    }
}

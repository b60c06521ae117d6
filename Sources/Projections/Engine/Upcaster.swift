import EventLog
import Foundation

/// Turns an event of an older payload shape into today's shape, in memory, before any projection decodes it.
/// The log itself is never rewritten.
package protocol Upcaster: Sendable {
    /// Whether `event` has the old shape this upcaster knows.
    func applies(to event: Event) -> Bool
    /// The same event in today's shape.
    func upcast(_ event: Event) throws -> Event
}

/// The upcasters every projection's input passes through, in order: the one place where old shapes are known.
package struct Upcasters: Sendable {
    let chain: [any Upcaster]

    /// Applies `chain` in order.
    package init(_ chain: [any Upcaster]) { self.chain = chain }

    /// The upcasters Switchyard knows today.
    package static let builtIn = Upcasters([C2SWrappedLeadUpcaster()])

    /// `event` in today's shape.
    package func apply(_ event: Event) throws -> Event {
        var event = event
        for upcaster in chain where upcaster.applies(to: event) { event = try upcaster.upcast(event) }
        return event
    }

    /// `body` applied to `event` in today's shape; the event is not copied when no upcaster applies to it, as for
    /// most events.
    package func with<R>(_ event: Event, _ body: (Event) throws -> R) throws -> R {
        for upcaster in chain where upcaster.applies(to: event) { return try body(apply(event)) }
        return try body(event)
    }
}

import EventLog
import Foundation

/// Contact2Sale's older deliveries wrap the lead in `data` (as its `GET /leads/{id}` does); today's shape is
/// flat: `id`, `hook_action` and `attributes` at the top.
package struct C2SWrappedLeadUpcaster: Upcaster {
    /// Creates the upcaster.
    package init() {}

    private static let wrapped = Array(#"{"data""#.utf8)

    package func applies(to event: Event) -> Bool {
        event.source == "c2s" && event.type == "webhook.received" && event.payload.starts(with: Self.wrapped)
    }

    package func upcast(_ event: Event) throws -> Event {
        guard var object = try JSONSerialization.jsonObject(with: Data(event.payload)) as? [String: Any],
            let data = object.removeValue(forKey: "data") as? [String: Any]
        else { return event }
        object.merge(data) { outer, _ in outer }
        var upcast = event
        upcast.payload = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        return upcast
    }
}

import Foundation

/// One event as one line of JSON: the shape of `replay export` and `replay tail`, and of the read API's
/// `/api/events`.
///
/// The object has `position`, `recorded_at` (RFC 3339 with nanoseconds), `type`, `source`, `key` (or null),
/// `metadata`, `hash` and `previous_hash` (hex), and the payload, so that every line carries the exact bytes
/// the sender signed and rebuilds the record's canonical bytes:
/// - a payload that is JSON on one line is the last member, `"payload":`, written byte for byte as stored;
/// - a payload that is JSON over several lines is `payload` (re-serialised, for reading) and `payload_base64`
///   (the exact bytes);
/// - any other payload (empty, or not JSON) is `payload_base64` only.
extension Event {
    /// The event as one line of JSON, without a line break (see the extension's documentation).
    package func jsonLine() throws -> Data {
        var header: [String: Any] = [
            "position": position, "recorded_at": recordedAt.iso8601, "type": type, "source": source,
            "key": idempotencyKey as Any? ?? NSNull(), "metadata": metadata, "hash": hash.hex,
            "previous_hash": previousHash.hex,
        ]
        let json =
            payload.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(payload), options: [.fragmentsAllowed])
        let verbatim = json != nil && !payload.contains(0x0A) && !payload.contains(0x0D)
        if !verbatim {
            header["payload_base64"] = Data(payload).base64EncodedString()
            if let json { header["payload"] = json }
        }
        var line = try JSONSerialization.data(
            withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        if verbatim {
            line.removeLast()
            line += Data(#","payload":"#.utf8) + Data(payload) + Data("}".utf8)
        }
        return line
    }

    /// Reads an event back from ``jsonLine()``. Throws ``EventLogError/Code/invalidRecord`` when the line is not
    /// such an object, or when its payload does not give the stored hash (the line was altered).
    package init(jsonLine line: [UInt8]) throws {
        func bad(_ what: String) -> EventLogError { EventLogError(.invalidRecord, what) }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
            throw bad("not a JSON object")
        }
        guard let position = (object["position"] as? NSNumber)?.uint64Value, position > 0 else {
            throw bad("no position")
        }
        guard let time = object["recorded_at"] as? String, let recordedAt = Timestamp(iso8601: time) else {
            throw bad("no recorded_at")
        }
        guard let type = object["type"] as? String, let source = object["source"] as? String else {
            throw bad("no type or source")
        }
        guard let metadata = object["metadata"] as? [String: String] else { throw bad("no metadata object of strings") }
        guard let hash = (object["hash"] as? String).flatMap(EventHash.init(hex:)),
            let previous = (object["previous_hash"] as? String).flatMap(EventHash.init(hex:))
        else {
            throw bad("no hash or previous_hash of 64 hexadecimal digits")
        }
        self.init(
            position: position, recordedAt: recordedAt, type: type, source: source,
            idempotencyKey: object["key"] as? String,
            metadata: metadata, payload: [], previousHash: previous, hash: hash
        )
        if let base64 = object["payload_base64"] as? String {
            guard let bytes = Data(base64Encoded: base64) else { throw bad("payload_base64 is not base64") }
            payload = Array(bytes)
            guard recomputedHash() == hash else {
                throw bad("position \(position) does not give its stored hash; the export was altered")
            }
            return
        }
        guard object["payload"] != nil, line.last == UInt8(ascii: "}") else {
            throw bad("no payload or payload_base64")
        }
        // The payload is the last member: of the places where a member named payload may start, the right one
        // is the one whose bytes give the event's hash.
        let marker = Array(#""payload":"#.utf8)
        var start = line.count - marker.count
        while start > 0 {
            if line[start] == marker[0], line[start..<(start + marker.count)].elementsEqual(marker) {
                payload = Array(line[(start + marker.count)..<(line.count - 1)])
                if recomputedHash() == hash { return }
            }
            start -= 1
        }
        throw bad("position \(position) does not give its stored hash; the export was altered")
    }
}

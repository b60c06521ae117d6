import EventLog
import Foundation
import Testing

@Suite("Events as JSON lines")
struct JSONLineTests {
    @Test(
        "one-line JSON, JSON over lines, bytes that are not JSON and no payload all come back exactly; an altered line is refused"
    )
    func roundTrip() async throws {
        try await withLog { log, _ in
            let payloads: [[UInt8]] = [
                Array(#"{"b":1,"a":"x\/y","payload":{"payload":2}}"#.utf8),
                Array("{\n  \"id\": \"evt_1\",\n  \"amount\": 100\n}\n".utf8),
                [0xFF, 0x00, 0x7B, 0x0A],
                [],
            ]
            _ = try await log.append(
                payloads.enumerated().map { index, payload in
                    NewEvent(
                        type: "test.line", source: "test", idempotencyKey: index == 0 ? "k:0" : nil,
                        metadata: ["n": "\(index)"], payload: payload)
                })
            for event in try log.events(from: 1, limit: 10) {
                let line = try event.jsonLine()
                #expect(!line.contains(0x0A))
                #expect(try Event(jsonLine: Array(line)) == event)
            }
            // A one-line JSON payload is written as stored, as the last member.
            let first = try #require(try log.event(at: 1))
            #expect(try first.jsonLine().suffix(payloads[0].count + 1) == Data(payloads[0] + [UInt8(ascii: "}")]))

            var altered = Array(try first.jsonLine())
            let digit = try #require(altered.lastIndex(of: UInt8(ascii: "2")))
            altered[digit] = UInt8(ascii: "3")
            #expect { try Event(jsonLine: altered) } throws: { ($0 as? EventLogError)?.code == .invalidRecord }
            #expect { try Event(jsonLine: Array("[1]".utf8)) } throws: {
                ($0 as? EventLogError)?.code == .invalidRecord
            }
        }
    }
}

/// An id that senders write either as a number or as a string.
package struct FlexibleID: Decodable, Sendable, Equatable {
    /// The id as text.
    package let value: String

    package init(value: String) { self.value = value }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = String(number)
        } else {
            value = try container.decode(String.self)
        }
    }
}

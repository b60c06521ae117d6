import JSONScan
/// A state record that reads its usual stored shape by scanning for its members (``JSONFieldScanner``), without a
/// tree of the JSON or `Decodable`'s containers: the same value `JSONDecoder` gives (the tests compare the two on
/// every shape). For the records a catch-up reads back most.
protocol StateJSONReadable: Decodable {
    /// The record in `stored`, or `nil` for anything the scan does not cover, which the general decoder then reads.
    static func scanned(_ stored: UnsafeRawBufferPointer) -> Self?
}

extension StateJSONReadable {
    /// ``scanned(_:)`` as a `T`, which is `Self`: so that a caller generic over `T` gets the record unboxed.
    static func scanned<T>(_ stored: UnsafeRawBufferPointer, as _: T.Type) -> T? {
        precondition(T.self == Self.self)
        return scanned(stored).map { unsafeBitCast($0, to: T.self) }
    }
}

extension JSONFieldScanner.Reader {
    /// The id at `field`, written as a whole number or a string, `nil` when absent; throws for anything else, as
    /// ``FlexibleID``'s decoding does (or for a number it would read another way, which is left to it).
    func flexibleID(_ field: Field) throws(JSONFieldScanner.Unscanned) -> FlexibleID? {
        switch kind(field) {
        case nil, .null?: return nil
        case .number?: return try int64(field).map { FlexibleID(value: String($0)) }
        case .string?: return try string(field).map { FlexibleID(value: $0) }
        default: throw JSONFieldScanner.Unscanned()
        }
    }

    /// Whether `field` holds an object; `false` when it is absent or `null`; throws for a value of another kind.
    func isObject(_ field: Field) throws(JSONFieldScanner.Unscanned) -> Bool {
        if isAbsent(field) { return false }
        guard kind(field) == .object else { throw JSONFieldScanner.Unscanned() }
        return true
    }
}

extension String {
    /// `value` in decimal, zero-padded on the left to `width` digits, so that keys holding numbers sort in number order.
    static func zeroPadded(_ value: some BinaryInteger, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }
}

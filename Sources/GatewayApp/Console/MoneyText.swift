import Outbound
import Projections

/// Money typed or read by people, in a currency's own number of decimals, with integer arithmetic only.
enum MoneyText {
    /// `minor` as text, such as `12.50 BRL` or `500 JPY`.
    static func format(_ minor: Int64, _ currency: String) -> String { formatMoney(minor, currency: currency) }

    /// `minor` in major units without the currency's code, such as `12.50`, for a chart's axis.
    static func amount(_ minor: Int64, _ currency: String) -> String {
        String(formatMoney(minor, currency: currency).prefix { $0 != " " })
    }

    /// `text` (such as `12.5`, `12.50` or `1250` for JPY) as minor units of `currency`; `nil` when it is not a plain
    /// positive decimal with at most the currency's decimals, or does not fit 64 bits.
    static func parse(_ text: String, currency: String) -> Int64? {
        let exponent = MinorUnits.exponent(of: currency)
        let parts = text.trimmingPrefixSpaces().split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= exponent, fraction.allSatisfy(\.isASCIIDigit), parts.count == 1 || !fraction.isEmpty
        else { return nil }
        var value: Int64 = 0
        for digit in whole + fraction + String(repeating: "0", count: exponent - fraction.count) {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(digit.asciiValue! - 48))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate func trimmingPrefixSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

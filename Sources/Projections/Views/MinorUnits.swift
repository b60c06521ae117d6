/// How many decimals a currency's minor unit has, as Stripe counts amounts (docs.stripe.com/currencies): most have
/// two; the zero-decimal currencies none (an amount of `500` JPY is ¥500); the three-decimal ones three (`1250`
/// KWD is 1.250 KWD).
package enum MinorUnits {
    /// Stripe's zero-decimal currencies, in lowercase as Stripe writes them.
    package static let zeroDecimal: Set<String> = [
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    ]
    /// Stripe's three-decimal currencies, in lowercase.
    package static let threeDecimal: Set<String> = ["bhd", "jod", "kwd", "omr", "tnd"]

    /// The number of decimals of `currency` (any case): 0, 2 or 3.
    package static func exponent(of currency: String) -> Int {
        let code = currency.lowercased()
        if zeroDecimal.contains(code) { return 0 }
        if threeDecimal.contains(code) { return 3 }
        return 2
    }
}

import Projections

/// A payment as `GET /api/payments/{id}` answers it: the stored record and what may still be refunded of it
/// (``PaymentsProjection/Payment/refundable``), which is worked out, not stored.
struct PaymentAnswer: Codable {
    var payment: PaymentsProjection.Payment

    private enum Keys: String, CodingKey { case refundable }

    init(from decoder: any Decoder) throws { payment = try PaymentsProjection.Payment(from: decoder) }

    func encode(to encoder: any Encoder) throws {
        try payment.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(payment.refundable, forKey: .refundable)
    }
}

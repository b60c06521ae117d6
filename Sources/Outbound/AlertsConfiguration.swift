import EventLog
import Foundation
import Logging
import Metrics
import Projections
import ServiceLifecycle

/// Thresholds and destination of the alerts [`actions.alerts`].
package struct AlertsConfiguration: Sendable, Equatable, Decodable {
    /// Where alerts go: `lark` (with `target`, a bot's name) or `teams`. Default nowhere (alerts are still recorded).
    package var channel: String?
    package var target: String?
    /// How often the rules are evaluated, in seconds. Default 60.
    var intervalSeconds: Int = 60
    /// Webhook rejections in the window above which `webhook_rejections` fires (critical). Default 3.
    var rejections: Int = 3
    /// That window, in minutes. Default 5.
    var rejectionMinutes: Int = 5
    /// Failed payment attempts in the last hour, in percent, above which `payment_error_rate` fires (critical). Default 5.
    var paymentErrorRatePercent: Int = 5
    /// How far today's net revenue may fall below yesterday's at the same hour, in percent, before
    /// `revenue_drop` fires (warning). Default 30.
    var revenueDropPercent: Int = 30

    init() {}

    package init(from decoder: any Decoder) throws {
        enum Keys: String, CodingKey {
            case channel, target, intervalSeconds, rejections, rejectionMinutes, paymentErrorRatePercent,
                revenueDropPercent
        }
        let container = try decoder.container(keyedBy: Keys.self)
        channel = try container.decodeIfPresent(String.self, forKey: .channel)
        target = try container.decodeIfPresent(String.self, forKey: .target)
        intervalSeconds = try container.decodeIfPresent(Int.self, forKey: .intervalSeconds) ?? intervalSeconds
        rejections = try container.decodeIfPresent(Int.self, forKey: .rejections) ?? rejections
        rejectionMinutes = try container.decodeIfPresent(Int.self, forKey: .rejectionMinutes) ?? rejectionMinutes
        paymentErrorRatePercent =
            try container.decodeIfPresent(Int.self, forKey: .paymentErrorRatePercent) ?? paymentErrorRatePercent
        revenueDropPercent = try container.decodeIfPresent(Int.self, forKey: .revenueDropPercent) ?? revenueDropPercent
    }
}

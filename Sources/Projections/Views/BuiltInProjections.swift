/// The projections Switchyard runs.
public enum BuiltInProjections {
    /// Every built-in projection, in a stable order.
    public static var all: [any Projection] {
        [
            PaymentsProjection(), DeliveriesProjection(), LeadsProjection(), ConversationsProjection(), NotificationsProjection(),
            OutboxProjection(), AlertsProjection(),
        ]
    }
}

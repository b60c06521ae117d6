/// The projections Switchyard runs.
package enum BuiltInProjections {
    /// Every built-in projection, in a stable order.
    package static var all: [any Projection] {
        [
            PaymentsProjection(), DeliveriesProjection(), LeadsProjection(), ConversationsProjection(),
            NotificationsProjection(),
            OutboxProjection(), AlertsProjection(), SourcesProjection(),
        ]
    }
}

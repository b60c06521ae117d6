// The deliveries and conversations records write their own JSON, members in sorted order (see StateJSONWritable).

extension DeliveriesProjection.SourceTotals: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("received", received)
            w.member("rejected", rejected)
            w.member("rejectedByReason", rejectedByReason)
        }
    }
}

extension DeliveriesProjection.Minute: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("minute", minute)
            w.member("received", received)
            w.member("rejected", rejected)
        }
    }
}

extension ConversationsProjection.Conversation: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("adminAssigneeId", adminAssigneeId)
            w.member("id", id)
            w.member("lastEventAt", lastEventAt)
            w.member("lastPosition", lastPosition)
            w.member("lastTopic", lastTopic)
            w.member("state", state)
            w.member("teamAssigneeId", teamAssigneeId)
        }
    }
}

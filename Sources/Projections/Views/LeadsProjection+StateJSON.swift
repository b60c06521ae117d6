// The leads records write their own JSON, members in sorted order (see StateJSONWritable).

extension LeadsProjection.Lead: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("actions", actions)
            w.member("email", email)
            w.member("enrichment", enrichment)
            w.member("fakeFlags", fakeFlags)
            w.member("id", id)
            w.member("lastError", lastError)
            w.member("name", name)
            w.member("normalizedEmail", normalizedEmail)
            w.member("normalizedPhone", normalizedPhone)
            w.member("personId", personId)
            w.member("phone", phone)
            w.member("samePerson", samePerson)
            w.member("status", status)
        }
    }
}

extension LeadsProjection.Action: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("at", at)
            w.member("contactChanged", contactChanged)
            w.member("hookAction", hookAction)
            w.member("position", position)
        }
    }
}

extension LeadsProjection.Stats: StateJSONWritable {
    func write(to writer: inout StateJSON.Writer) {
        writer.object { w in
            w.member("completed", completed)
            w.member("failed", failed)
            w.member("total", total)
        }
    }
}

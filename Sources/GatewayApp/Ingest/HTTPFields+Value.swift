import HTTPTypes

extension HTTPFields {
    /// The value of the field `name`: what the subscript gives, without building a joined string for the usual case of
    /// one field.
    func value(_ name: HTTPField.Name) -> String? {
        var value: String?
        for field in self where field.name == name {
            // Repeated: joined as the subscript joins them.
            if value != nil { return self[name] }
            value = field.value
        }
        return value
    }
}

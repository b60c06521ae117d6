extension StateJSON {
    /// The `Encoder` a value encodes itself to: it keeps what the value wrote as a ``Node``.
    final class NodeEncoder: Encoder {
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        /// What the value wrote; `nil` when it wrote nothing.
        var node: Node?
        /// Set when the value asked for something this encoder leaves to `JSONEncoder` (a super encoder).
        var unsupported = false

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .object(let box)? = node { return KeyedEncodingContainer(KeyedContainer(box: box, encoder: self)) }
            let box = Box.object()
            node = .object(box)
            return KeyedEncodingContainer(KeyedContainer(box: box, encoder: self))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if case .array(let box)? = node { return UnkeyedContainer(box: box, encoder: self) }
            let box = Box()
            node = .array(box)
            return UnkeyedContainer(box: box, encoder: self)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(encoder: self) }
    }

    /// The scalar `Node` of each primitive a container is given; floating-point numbers are left to `JSONEncoder`.
    static func scalar(_ value: some BinaryInteger) -> Node {
        if let signed = Int64(exactly: value) { return .int(signed) }
        return .uint(UInt64(value))
    }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: Box
        let encoder: NodeEncoder
        var codingPath: [any CodingKey] { [] }

        private func add(_ node: Node, _ key: Key) { box.members.append((key.stringValue, node)) }
        mutating func encodeNil(forKey key: Key) throws { add(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { add(.bool(value), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { add(.string(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { throw Unsupported() }
        mutating func encode(_ value: Float, forKey key: Key) throws { throw Unsupported() }
        mutating func encode(_ value: Int, forKey key: Key) throws { add(.int(Int64(value)), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { add(scalar(value), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { add(scalar(value), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { add(scalar(value), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { add(.int(value), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { add(scalar(value), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { add(scalar(value), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { add(scalar(value), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { add(scalar(value), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { add(scalar(value), key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { add(try Node(value), key) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = Box.object()
            add(.object(child), key)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: child, encoder: encoder))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = Box()
            add(.array(child), key)
            return UnkeyedContainer(box: child, encoder: encoder)
        }

        mutating func superEncoder() -> any Encoder { unsupported() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { unsupported() }
        private func unsupported() -> any Encoder {
            encoder.unsupported = true
            return NodeEncoder()
        }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let box: Box
        let encoder: NodeEncoder
        var codingPath: [any CodingKey] { [] }
        var count: Int { box.items.count }

        mutating func encodeNil() throws { box.items.append(.null) }
        mutating func encode(_ value: Bool) throws { box.items.append(.bool(value)) }
        mutating func encode(_ value: String) throws { box.items.append(.string(value)) }
        mutating func encode(_ value: Double) throws { throw Unsupported() }
        mutating func encode(_ value: Float) throws { throw Unsupported() }
        mutating func encode(_ value: Int) throws { box.items.append(.int(Int64(value))) }
        mutating func encode(_ value: Int8) throws { box.items.append(scalar(value)) }
        mutating func encode(_ value: Int16) throws { box.items.append(scalar(value)) }
        mutating func encode(_ value: Int32) throws { box.items.append(scalar(value)) }
        mutating func encode(_ value: Int64) throws { box.items.append(.int(value)) }
        mutating func encode(_ value: UInt) throws { box.items.append(scalar(value)) }
        mutating func encode(_ value: UInt8) throws { box.items.append(scalar(value)) }
        mutating func encode(_ value: UInt16) throws { box.items.append(scalar(value)) }
        mutating func encode(_ value: UInt32) throws { box.items.append(scalar(value)) }
        mutating func encode(_ value: UInt64) throws { box.items.append(scalar(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { box.items.append(try Node(value)) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = Box.object()
            box.items.append(.object(child))
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: child, encoder: encoder))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = Box()
            box.items.append(.array(child))
            return UnkeyedContainer(box: child, encoder: encoder)
        }

        mutating func superEncoder() -> any Encoder {
            encoder.unsupported = true
            return NodeEncoder()
        }
    }

    struct SingleContainer: SingleValueEncodingContainer {
        let encoder: NodeEncoder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { encoder.node = .null }
        mutating func encode(_ value: Bool) throws { encoder.node = .bool(value) }
        mutating func encode(_ value: String) throws { encoder.node = .string(value) }
        mutating func encode(_ value: Double) throws { throw Unsupported() }
        mutating func encode(_ value: Float) throws { throw Unsupported() }
        mutating func encode(_ value: Int) throws { encoder.node = .int(Int64(value)) }
        mutating func encode(_ value: Int8) throws { encoder.node = scalar(value) }
        mutating func encode(_ value: Int16) throws { encoder.node = scalar(value) }
        mutating func encode(_ value: Int32) throws { encoder.node = scalar(value) }
        mutating func encode(_ value: Int64) throws { encoder.node = .int(value) }
        mutating func encode(_ value: UInt) throws { encoder.node = scalar(value) }
        mutating func encode(_ value: UInt8) throws { encoder.node = scalar(value) }
        mutating func encode(_ value: UInt16) throws { encoder.node = scalar(value) }
        mutating func encode(_ value: UInt32) throws { encoder.node = scalar(value) }
        mutating func encode(_ value: UInt64) throws { encoder.node = scalar(value) }
        mutating func encode<T: Encodable>(_ value: T) throws { encoder.node = try Node(value) }
    }
}

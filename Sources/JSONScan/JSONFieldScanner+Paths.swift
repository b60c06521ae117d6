extension JSONFieldScanner {
    /// Paths to scan for, prepared once: each a list of object keys from the top.
    package struct Paths: Sendable, ExpressibleByArrayLiteral {
        /// A key some paths have at one depth, and which paths (a bit each) have it there.
        struct Entry: Sendable {
            /// The key's bytes: `keyBytes[start..<end]`.
            let start: Int
            let end: Int
            let paths: UInt64
        }

        /// Each path's number of keys.
        let lengths: [Int]
        /// `entries[levels[depth]]` are the distinct keys the paths have at `depth`; so a key in the body is compared
        /// with each distinct key once, not with every path that has one there.
        let levels: [Range<Int>]
        let entries: [Entry]
        /// The keys' bytes, one after another.
        let keyBytes: [UInt8]

        /// How many paths there are.
        var count: Int { lengths.count }

        /// Prepares `paths`, such as `[["id"], ["data", "object", "amount"]]`: at most 64.
        package init(_ paths: [[String]]) {
            precondition(paths.count <= 64, "a scan takes at most 64 paths")
            lengths = paths.map(\.count)
            var levels = [Range<Int>]()
            var entries = [Entry]()
            var keyBytes = [UInt8]()
            for depth in 0..<(lengths.max() ?? 0) {
                var keys = [[UInt8]]()
                var masks = [UInt64]()
                for (number, path) in paths.enumerated() where path.count > depth {
                    let key = Array(path[depth].utf8)
                    if let known = keys.firstIndex(of: key) {
                        masks[known] |= 1 << number
                    } else {
                        keys.append(key)
                        masks.append(1 << number)
                    }
                }
                let first = entries.count
                for (key, mask) in zip(keys, masks) {
                    entries.append(Entry(start: keyBytes.count, end: keyBytes.count + key.count, paths: mask))
                    keyBytes += key
                }
                levels.append(first..<entries.count)
            }
            (self.levels, self.entries, self.keyBytes) = (levels, entries, keyBytes)
        }

        /// Prepares the paths of a literal.
        package init(arrayLiteral paths: [String]...) {
            self.init(paths)
        }

        /// Which of `candidates` have `key` at `depth`.
        func matching(_ key: UnsafeRawBufferPointer, at depth: Int, among candidates: UInt64) -> UInt64 {
            guard depth < levels.count else { return 0 }
            for entry in entries[levels[depth]]
            where entry.paths & candidates != 0 && entry.end - entry.start == key.count {
                var same = true
                for offset in 0..<key.count where key[offset] != keyBytes[entry.start + offset] {
                    same = false
                    break
                }
                if same { return entry.paths & candidates }
            }
            return 0
        }
    }
}

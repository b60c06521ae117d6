internal import CLMDB

/// An open LMDB transaction, valid only inside the closure that received it.
package protocol Transaction {
    /// The transaction's handle; opaque outside this module.
    var handle: TransactionHandle { get }
}

/// The opaque handle of a transaction.
package struct TransactionHandle {
    let pointer: OpaquePointer
}

/// A read-only snapshot, from ``Environment/read(_:)``.
package struct ReadTransaction: Transaction {
    /// The transaction's handle.
    package let handle: TransactionHandle
}

/// A write transaction, from ``Environment/write(_:)``: committed when the closure returns, aborted when it throws.
package struct WriteTransaction: Transaction {
    /// The transaction's handle.
    package let handle: TransactionHandle
}

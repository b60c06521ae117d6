/// The bookkeeping of one projection's drive loop, as a value: which position is stored with its checkpoint, which
/// is folded, which folded changes wait to be stored, and when a store must start. The loop does the work (reads,
/// folds, stores) and tells the machine what happened; the machine says what comes next. One store at most is on
/// its way to the views writer at a time.
struct DriveStateMachine {
    /// The last position stored with its checkpoint.
    private(set) var checkpoint: UInt64
    /// The last position folded: stored, on its way, or waiting.
    private(set) var folded: UInt64
    /// Whether a store is on its way to the views writer.
    private(set) var storeInFlight = false
    /// Folded changes not yet on their way, through `waitingThrough`, from `waitingBatches` batches.
    private var waiting: [ProjectionState.Change] = []
    private var waitingThrough: UInt64?
    private var waitingBatches = 0
    private var waitingBytes = 0

    /// A full batch's size: a shorter batch means the loop has caught up with the log.
    let batchSize: Int
    /// While catching up, how many batches' changes, and how many bytes of keys and values, at most wait for one
    /// store: each commit copies every B-tree page it touches, so fewer, larger commits write far less.
    let storeEvery: Int
    let storeBytes: Int

    /// Starts at `checkpoint`, the position stored with the slot.
    init(checkpoint: UInt64, batchSize: Int, storeEvery: Int, storeBytes: Int) {
        self.checkpoint = checkpoint
        folded = checkpoint
        self.batchSize = batchSize
        self.storeEvery = storeEvery
        self.storeBytes = storeBytes
    }

    /// Whether folded changes wait to be sent on their way.
    var hasWaiting: Bool { waitingThrough != nil }

    /// What to do with a folded batch's changes before taking them.
    enum BeforeTaking: Equatable {
        /// Take them with the changes already waiting.
        case take
        /// Store everything waiting first: this batch has a key LMDB refuses, and is stored alone, after what came
        /// before it, so that it fails at its own position.
        case storeWaitingFirst
    }

    /// What must happen before the changes of a batch are taken, given whether its keys are all storable.
    func beforeTaking(storable: Bool) -> BeforeTaking { storable ? .take : .storeWaitingFirst }

    /// Takes the changes of the batch of `events` events that ended at `last`; returns whether a store must start
    /// now: the batch was short (caught up), its keys are not all storable, or enough batches or bytes wait.
    mutating func took(_ changes: [ProjectionState.Change], through last: UInt64, events: Int, storable: Bool) -> Bool {
        waiting += changes
        waitingThrough = last
        waitingBatches += 1
        waitingBytes += changes.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.count ?? 0) }
        folded = last
        return !storable || events < batchSize || waitingBatches >= storeEvery || waitingBytes >= storeBytes
    }

    /// Hands the waiting changes to a store and marks it on its way; `nil` when nothing waits. Only once the store
    /// before has been reported (``stored(through:)``).
    mutating func startStore() -> (changes: [ProjectionState.Change], through: UInt64)? {
        precondition(!storeInFlight, "a store starts only once the one before is stored")
        guard let through = waitingThrough else { return nil }
        let changes = waiting
        (waiting, waitingThrough, waitingBatches, waitingBytes) = ([], nil, 0, 0)
        storeInFlight = true
        return (changes, through)
    }

    /// The store on its way has stored everything through `position`, with the checkpoint.
    mutating func stored(through position: UInt64) {
        storeInFlight = false
        checkpoint = position
    }
}

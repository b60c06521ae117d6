import Foundation

// The replay tool (rebuild, verify, as-of, export, import, check-signatures, stats, backup, tail) is not
// built yet; until it is, say so plainly rather than pretend.
FileHandle.standardError.write(Data("replay: not built yet; the log can be verified with LMDBEventLog.verify() (see docs/log-format.md)\n".utf8))
exit(1)

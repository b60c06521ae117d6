internal import CLMDB
import Glibc

/// Zero-filling the data file ahead of its last page in use.
///
/// A commit that writes past the end of `data.mdb` makes the file grow, and a sync of a grown file has to write
/// the file's size and block map too: on ext4 that is a second synchronous write (or a journal commit) in every
/// commit. With zeros already written ahead, commits write inside the file, and the growth is recorded once per
/// step instead of once per commit. LMDB ignores the file's size: it reads and writes pages up to the last one
/// its meta page names, so the zeros beyond are never read.
extension Environment {
    /// Called in a write transaction before it writes anything: extends the file with zeros when fewer than half
    /// a step of them are left beyond the last page in use.
    ///
    /// This runs while the transaction holds LMDB's writer lock and before the transaction has written a page, so
    /// every page LMDB writes later lands after the zeros. It is skipped when the file system has less than four
    /// steps free, so that a nearly full disk is reported by the commits themselves, as without it. A failed
    /// write of zeros is not an error: the commit grows the file as it would have anyway.
    func preallocate() {
        let step = configuration.preallocationStep
        guard step > 0, configuration.durable else { return }
        var info = MDB_envinfo()
        var stat = MDB_stat()
        var fd: Int32 = -1
        guard mdb_env_info(env, &info) == 0, mdb_env_stat(env, &stat) == 0, mdb_env_get_fd(env, &fd) == 0 else { return }
        let used = (Int(info.me_last_pgno) + 1) * Int(stat.ms_psize)
        if used + step / 2 <= preallocatedEnd { return }
        var file = Glibc.stat()
        guard fstat(fd, &file) == 0 else { return }
        let size = Int(file.st_size)
        preallocatedEnd = size
        guard used + step / 2 > size else { return }
        let end = min(max(size, used) + step, info.me_mapsize)
        guard end > size, Self.hasRoom(fd: fd, for: 4 * step) else { return }
        let written = Self.writeZeros(fd: fd, from: size, to: end)
        preallocatedEnd = size + written
    }

    private static func hasRoom(fd: Int32, for bytes: Int) -> Bool {
        var fs = statvfs()
        guard fstatvfs(fd, &fs) == 0 else { return false }
        return Int(fs.f_bavail) * Int(fs.f_frsize) >= bytes
    }

    /// Writes zeros over `[start, end)`; returns how many bytes were written before an error, if any.
    private static func writeZeros(fd: Int32, from start: Int, to end: Int) -> Int {
        let chunk = 1 << 20
        let zeros = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 4096)
        defer { zeros.deallocate() }
        zeros.initializeMemory(as: UInt8.self, repeating: 0, count: chunk)
        var offset = start
        while offset < end {
            let count = pwrite(fd, zeros, min(chunk, end - offset), off_t(offset))
            if count <= 0 {
                if count < 0 && errno == EINTR { continue }
                break
            }
            offset += count
        }
        return offset - start
    }
}

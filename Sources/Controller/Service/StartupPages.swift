import Foundation
import Glibc

/// The pages of the program's own files that only its start needed, given back to the kernel.
///
/// Starting `lanterne run` runs code the loop never runs again: the YAML parser, the cabinet
/// and profile checks, the engine's compiler, the ledger's schema, the TLS and HTTP set-up. Each
/// page of code it ran stays mapped afterwards, with its neighbours: a fault maps the 64 KB
/// around the page from the page cache (the kernel's fault-around). On a board where the
/// controller is the only program using these files, they count in its resident memory for
/// years.
///
/// ``release()`` asks the kernel to reclaim them over every read-only mapping of a file (the
/// executable's code and constants and those of its shared libraries): `madvise(MADV_RANDOM)`,
/// so that a page needed again is read alone rather than with the 128 KB around it;
/// `madvise(MADV_PAGEOUT)` (Linux 5.4), which takes the pages out of the process; then
/// `posix_fadvise(POSIX_FADV_DONTNEED)` on each file, which drops from the page cache what no
/// process maps any more (reclaim leaves a large folio whole, and fault-around would map its
/// pages back at the next fault nearby). What the kernel does:
/// - a clean page mapped only by this process leaves it and the page cache; the next access
///   reads it again from storage (a major fault), and it stays;
/// - a page another process maps too, or one not yet written back (a freshly built executable),
///   stays in the page cache;
/// - writable mappings (data, relocated tables, the heap, the ledger's shared memory) are not
///   touched: without swap their pages cannot leave, with swap they must not.
///
/// So what remains resident is what the steps, the sampling and the requests use.
public enum StartupPages {
    /// A read-only mapping of a file, from `/proc/self/maps`.
    public struct Mapping: Sendable, Equatable {
        public var start: UInt
        public var length: Int
        public var path: String
    }

    /// What a release did.
    public struct Released: Sendable, CustomStringConvertible {
        /// The mappings released, and those the kernel refused (with its reason).
        public var mappings: Int
        public var refused: [String]
        /// The process's resident set (`VmRSS`) before and after, in kB.
        public var residentBefore: Int?
        public var residentAfter: Int?

        public var description: String {
            var text = "released the start-up's pages of \(mappings) read-only file mapping(s)"
            if let before = residentBefore, let after = residentAfter {
                text += ": resident \(Self.megabytes(before)) → \(Self.megabytes(after))"
            }
            if !refused.isEmpty { text += "; refused: " + refused.joined(separator: "; ") }
            return text
        }

        static func megabytes(_ kB: Int) -> String { String(format: "%.1f MB", Double(kB) / 1024) }
    }

    /// The read-only mappings of files in `maps` (the text of `/proc/PID/maps`): a path that is
    /// a file (not `[vdso]`, `[stack]`, an anonymous mapping or a deleted file), no `w` in the
    /// permissions.
    public static func readOnlyFileMappings(maps: String) -> [Mapping] {
        maps.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6 else { return nil }
            let permissions = fields[1], path = fields[5].trimmingCharacters(in: .whitespaces)
            guard permissions.hasPrefix("r"), !permissions.contains("w"), path.hasPrefix("/"),
                  !path.hasSuffix(" (deleted)"), !path.hasPrefix("/memfd:") else { return nil }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start else {
                return nil
            }
            return Mapping(start: start, length: Int(end - start), path: path)
        }
    }

    /// Gives back the pages of this process's read-only file mappings (see the type's summary).
    /// A kernel without `MADV_PAGEOUT` refuses each mapping (`EINVAL`): the release says so and
    /// changes nothing.
    public static func release() -> Released {
        let before = residentKilobytes()
        let mappings = readOnlyFileMappings(maps: procText("/proc/self/maps") ?? "")
        var released = Released(mappings: 0, refused: [], residentBefore: before, residentAfter: nil)
        var refusedBy: [Int32: [String]] = [:]
        for mapping in mappings {
            let start = UnsafeMutableRawPointer(bitPattern: mapping.start)
            if madvise(start, mapping.length, MADV_RANDOM) == 0, madvise(start, mapping.length, MADV_PAGEOUT) == 0 {
                released.mappings += 1
            } else {
                refusedBy[errno, default: []].append((mapping.path as NSString).lastPathComponent)
            }
        }
        // What the page cache kept and no one maps any more.
        for path in Set(mappings.map(\.path)) {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
            close(fd)
        }
        released.refused = refusedBy.sorted { $0.key < $1.key }.map { code, paths in
            "\(String(cString: strerror(code))) (\(Set(paths).sorted().joined(separator: ", ")))"
        }
        released.residentAfter = residentKilobytes()
        return released
    }

    /// The whole text of a file of `/proc`, read until its end: such files say they are empty,
    /// and Foundation's `String(contentsOfFile:)` stops after the first 4 KB of them.
    public static func procText(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// `VmRSS` of this process, in kB (nil where `/proc` does not say).
    public static func residentKilobytes() -> Int? {
        guard let status = procText("/proc/self/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.dropFirst("VmRSS:".count).split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
        }
        return nil
    }
}

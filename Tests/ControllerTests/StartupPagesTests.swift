@testable import Controller
import Foundation
import Glibc
import Testing

/// ``StartupPages``: what it gives back and what it leaves alone, on this process's own
/// mappings.
@Suite(.serialized) struct StartupPagesTests {
    @Test func readOnlyFileMappingsOnly() {
        let maps = """
            55d0c0000000-55d0c1000000 r--p 00000000 fe:00 42                         /usr/bin/lanterne
            55d0c1000000-55d0c2000000 r-xp 01000000 fe:00 42                         /usr/bin/lanterne
            55d0c2000000-55d0c2100000 rw-p 02000000 fe:00 42                         /usr/bin/lanterne
            55d0c3000000-55d0c3400000 rw-p 00000000 00:00 0                          [heap]
            7f0000000000-7f0000008000 rw-s 00000000 fe:00 77                         /var/lib/lanterne/ledger.sqlite-shm
            7f0000010000-7f0000020000 r-xp 00000000 fe:00 99                         /opt/lib/with space.so
            7f0000020000-7f0000030000 r--p 00000000 fe:00 98                         /tmp/gone.so (deleted)
            7f0000030000-7f0000031000 r--p 00000000 00:00 0 
            7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]
            """
        let found = StartupPages.readOnlyFileMappings(maps: maps)
        #expect(found.map(\.path) == ["/usr/bin/lanterne", "/usr/bin/lanterne", "/opt/lib/with space.so"])
        #expect(found.first == .init(start: 0x55d0_c000_0000, length: 0x100_0000, path: "/usr/bin/lanterne"))
    }

    /// A file mapped read-only and read through leaves the resident set; an anonymous mapping
    /// written through (what the heap is) stays. The file lies beside the package (a temporary
    /// directory may be memory, whose pages cannot leave without swap), written back first, as
    /// an installed program's are.
    @Test func theFilesPagesLeaveAndTheProcesssOwnMemoryStays() throws {
        let dir = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/startup-pages-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let size = 4 << 20
        let path = dir.appendingPathComponent("code.bin").path
        try Data(repeating: 0x90, count: size).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(fsync(fd) == 0)
        let file = try #require(mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0).flatMap { $0 == MAP_FAILED ? nil : $0 })
        defer { munmap(file, size) }
        let anonymous = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            .flatMap { $0 == MAP_FAILED ? nil : $0 })
        defer { munmap(anonymous, size) }
        var sum = 0
        for offset in stride(from: 0, to: size, by: 4096) {
            sum &+= Int(file.load(fromByteOffset: offset, as: UInt8.self))
            anonymous.storeBytes(of: 1, toByteOffset: offset, as: UInt8.self)
        }
        #expect(sum == 0x90 * size / 4096)
        #expect(try Self.resident(at: file) == size / 1024)
        let anonymousBefore = try Self.resident(at: anonymous)
        #expect(anonymousBefore >= size / 1024)

        let released = StartupPages.release()
        #expect(released.mappings > 0)
        #expect(try Self.resident(at: file) < 64, "kB still resident")
        #expect(try Self.resident(at: anonymous) == anonymousBefore)
        #expect(released.description.hasPrefix("released the start-up's pages of \(released.mappings) read-only file mapping(s): resident "),
                "\(released)")
        // Read again: the same bytes, from storage.
        #expect(file.load(fromByteOffset: size - 1, as: UInt8.self) == 0x90)
    }

    /// The `Rss:` of the mapping that holds `address`, in kB (from /proc/self/smaps; an
    /// anonymous mapping may have merged with its neighbours).
    static func resident(at address: UnsafeMutableRawPointer) throws -> Int {
        let at = UInt(bitPattern: address)
        var inside = false
        for line in (StartupPages.procText("/proc/self/smaps") ?? "").split(separator: "\n") {
            if let first = line.split(separator: " ").first, first.contains("-"), !first.hasSuffix(":") {
                let bounds = first.split(separator: "-").compactMap { UInt($0, radix: 16) }
                inside = bounds.count == 2 && bounds[0] <= at && at < bounds[1]
            } else if inside, line.hasPrefix("Rss:") {
                return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
            }
        }
        throw NoMapping()
    }

    struct NoMapping: Error {}
}

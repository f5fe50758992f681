import Crypto
import Foundation
import Testing
@testable import Ledger

/// The CSV writer hands full buffers to a writer thread (``ChunkSink``) that hashes and writes
/// them in order: the file, its byte count and its SHA-256 are those of the rows as written,
/// and a failed write is not lost.
@Suite struct CSVWriterTests {
    @Test func manyChunksArriveInOrderWithTheirHash() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("rows.csv")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        var writer = CSVWriter(handle: handle, delimiter: UInt8(ascii: ","), decimalComma: false)
        var expected = ""
        for i in 0 ..< 200_000 {   // about 5 MB: several chunks
            writer.integer(Int64(i))
            writer.fixed(Int64(i) * 7 - 500_000, scale: 3)
            writer.text("a \"quoted\", text")
            try writer.endRow()
            let milli = Int64(i) * 7 - 500_000
            let sign = milli < 0 ? "-" : ""
            let magnitude = abs(milli)
            expected += "\(i),\(sign)\(magnitude / 1000).\(String(format: "%03d", magnitude % 1000)),\"a \"\"quoted\"\", text\"\r\n"
        }
        let written = try writer.finish()
        try handle.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(data.count > 3 * CSVWriter.chunkSize)
        #expect(String(decoding: data, as: UTF8.self) == expected)
        #expect(written.bytes == data.count)
        #expect(written.sha256 == SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined())
    }

    @Test func aFailedWriteIsReported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("read-only.csv")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try #require(FileHandle(forReadingAtPath: path))   // writes fail (EBADF)
        defer { try? handle.close() }
        var writer = CSVWriter(handle: handle, delimiter: UInt8(ascii: ","), decimalComma: false)
        var failure: (any Error)?
        do {
            for i in 0 ..< 100_000 {
                writer.integer(Int64(i))
                writer.text(String(repeating: "x", count: 40))
                try writer.endRow()
            }
            _ = try writer.finish()
        } catch {
            failure = error
        }
        #expect(failure != nil)
        #expect(throws: (any Error).self) { _ = try writer.finish() }
    }
}

import Astronomy
import Cabinet
import Foundation
import Ledger
import Lighting
import Report
import Simulation
import Testing

/// The report of a fixed ledger, compared with a committed page (Golden/), so that any drift
/// of ordering or formatting shows. The ledger is two months of examples/montdidier.yaml
/// simulated with a fixed seed and signed with a fixed key; the page is dated by hand.
///
/// A change that is meant: `LANTERNE_UPDATE_GOLDEN=1 swift test --filter ReportGoldenTests`
/// rewrites the file, and the diff goes into the commit.
@Suite struct ReportGoldenTests {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repo = here.deletingLastPathComponent().deletingLastPathComponent()
    static let golden = here.appendingPathComponent("Golden/montdidier-2026-03-04.html")
    /// A signing key for tests only (Ed25519 signatures are deterministic: the same key signs
    /// the same declarations the same way).
    static let key = String(repeating: "5a17e9c3", count: 8)

    @Test func twoMonthsAtMontdidierRenderAsCommitted() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = dir.appendingPathComponent("m.key").path, ledger = dir.appendingPathComponent("m.sqlite").path
        try (Self.key + "\n").write(toFile: keyPath, atomically: true, encoding: .utf8)

        let config = try #require(CabinetLoader.load(path: try Self.fixture().path).value)
        let from = try #require(CivilDate("2026-03-01")), to = try #require(CivilDate("2026-05-01"))
        let clock = LocalClock(timeZone: config.site.timeZone)
        _ = try CabinetSimulator(configuration: config, seed: 2026)
            .run(from: clock.instant(from, secondsOfDay: 0), to: clock.instant(to, secondsOfDay: 0), ledger: ledger, keyPath: keyPath,
                 generator: "lanterne golden test")

        let store = try LedgerStore.open(path: ledger)
        let data = try ReportBuilder.build(store: store, cabinet: nil, from: from, to: to, generator: "lanterne golden test",
                                           generatedAt: Date(timeIntervalSince1970: 1_780_000_000))
        try store.close()
        try Golden.check(ReportRenderer.html(data), against: Self.golden, update: "LANTERNE_UPDATE_GOLDEN=1 swift test --filter ReportGoldenTests")
    }

    /// The cabinet, board and profile files copied to a fixed place: the ledger chains the
    /// profile's path with its activation, so a path inside this checkout would make the chain
    /// head, and the page, depend on where the repository was cloned.
    static func fixture() throws -> URL {
        let root = URL(fileURLWithPath: "/tmp/lanterne-golden-fixture")
        for file in ["examples/montdidier.yaml", "boards/simulated.yaml", "profiles/montdidier.yaml"] {
            let target = root.appendingPathComponent(file)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contentsOf: repo.appendingPathComponent(file)).write(to: target, options: .atomic)
        }
        return root.appendingPathComponent("examples/montdidier.yaml")
    }

    @Test func aMismatchNamesItsFirstDifferingLine() {
        #expect(Golden.firstDifference("a\nb\nc", "a\nb\nc") == nil)
        let changed = Golden.firstDifference("a\nb\nc", "a\nB\nc")
        #expect(changed?.line == 2 && changed?.expected == "b" && changed?.actual == "B")
        let longer = Golden.firstDifference("a\nb", "a\nb\nc")
        #expect(longer?.line == 3 && longer?.expected == "<end of file>" && longer?.actual == "c")
    }
}

/// Compares text with a committed file; `LANTERNE_UPDATE_GOLDEN=1` rewrites the file instead.
enum Golden {
    static func check(_ text: String, against file: URL, update command: String,
                      sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        if ProcessInfo.processInfo.environment["LANTERNE_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
            print("golden: wrote \(file.path)")
            return
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record("no golden file at \(file.path); to write it: \(command)", sourceLocation: sourceLocation)
            return
        }
        guard let difference = firstDifference(expected, text) else { return }
        Issue.record("""
            the output differs from \(file.lastPathComponent) at line \(difference.line):
              expected: \(difference.expected)
                   got: \(difference.actual)
            if the change is meant, rewrite the file with: \(command)
            """, sourceLocation: sourceLocation)
    }

    /// The first line (1-based) where two texts differ, with both versions of it (`<end of
    /// file>` past the end of the shorter one); nil when they are equal.
    static func firstDifference(_ expected: String, _ actual: String) -> (line: Int, expected: String, actual: String)? {
        guard expected != actual else { return nil }
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? String(a[i]) : "<end of file>", y = i < b.count ? String(b[i]) : "<end of file>"
            if x != y { return (i + 1, x, y) }
        }
        return nil
    }
}

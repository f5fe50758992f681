import Foundation
import Ledger
import Report
import Testing

/// The path of a Chromium executable on PATH, if any.
let chromiumPath: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
    }
    return nil
}()

/// Whether a Chromium executable is on PATH.
let chromiumAvailable = chromiumPath != nil

/// Renders the sample reports with headless Chromium and checks the screenshots.
///
/// Set `LANTERNE_REPORT_SAMPLE_DIR` to a directory to keep the HTML pages and PNGs there
/// (for looking at them); otherwise they go to a temporary directory that is removed.
@Suite struct ReportChromiumTests {
    struct PNGInfo { var width: Int; var height: Int; var bytes: Int }

    /// Reads a PNG's size from its IHDR chunk; nil when the file is not a PNG.
    static func pngInfo(_ data: Data) -> PNGInfo? {
        let bytes = [UInt8](data)
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count > 33, Array(bytes[0..<8]) == signature,
              Array(bytes[12..<16]) == Array("IHDR".utf8) else { return nil }
        func be32(_ offset: Int) -> Int {
            bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        return PNGInfo(width: be32(16), height: be32(20), bytes: bytes.count)
    }

    /// Runs Chromium on `html` and returns the screenshot's bytes.
    static func screenshot(_ html: URL, to png: URL, profile: URL, width: Int, height: Int) async throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(chromiumPath))
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile.path,
                             "--screenshot=" + png.path, "--window-size=\(width),\(height)", html.absoluteString]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        if process.isRunning {
            process.terminate()
            Issue.record("Chromium did not finish within 120 s")
        }
        return try Data(contentsOf: png)
    }

    @Test(.enabled(if: chromiumAvailable, "Chromium not installed: render check skipped"),
          .timeLimit(.minutes(5)))
    func sampleReportsRenderToPlausiblePNGs() async throws {
        let keep = ProcessInfo.processInfo.environment["LANTERNE_REPORT_SAMPLE_DIR"]
        let directory = keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-chromium-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: profile)
            if keep == nil { try? FileManager.default.removeItem(at: directory) }
        }
        let samples: [(String, ReportData, Int)] = [
            ("montdidier", ReportSamples.montdidier(), 50_000),
            ("single-month", ReportSamples.singleMonthNoExtras(), 20_000),
            ("negative", ReportSamples.negativeSavings(), 20_000),
            ("zeros", ReportSamples.zeros(), 20_000),
        ]
        for (name, data, minimumBytes) in samples {
            let html = directory.appendingPathComponent("report-\(name).html")
            let png = directory.appendingPathComponent("report-\(name).png")
            try ReportRenderer.html(data).write(to: html, atomically: true, encoding: .utf8)
            try? FileManager.default.removeItem(at: png)
            let bytes = try await Self.screenshot(html, to: png, profile: profile, width: 1280, height: 2400)
            let info = try #require(Self.pngInfo(bytes), "\(name): not a PNG")
            #expect(info.width == 1280, "\(name)")
            #expect(info.height == 2400, "\(name)")
            #expect(info.bytes > minimumBytes, "\(name): \(info.bytes) bytes is too small for a rendered report")
        }
    }

    @Test func pngHeaderParsing() {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13]
        bytes += Array("IHDR".utf8) + [0, 0, 5, 0, 0, 0, 9, 96] + [UInt8](repeating: 0, count: 20)
        let info = Self.pngInfo(Data(bytes))
        #expect(info?.width == 1280 && info?.height == 2400)
        #expect(Self.pngInfo(Data("not a png at all, definitely not one".utf8)) == nil)
    }
}

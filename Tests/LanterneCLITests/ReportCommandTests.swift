import Foundation
import Testing

@Suite struct ReportAndMeasuredROI {
    @Test func simulateThenReportAndROI() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ledger = dir.appendingPathComponent("m.sqlite").path
        let sim = try CLIRunner.run(["simulate", "--cabinet", "examples/montdidier.yaml", "--from", "2026-01-01", "--to", "2026-02-15",
                                     "--ledger", ledger, "--quiet"])
        #expect(sim.status == 0, "\(sim.stderr)")
        let html = dir.appendingPathComponent("r.html").path
        let report = try CLIRunner.run(["report", "--ledger", ledger, "--cabinet", "examples/montdidier.yaml",
                                        "--from", "2026-01-01", "--to", "2026-02-15", "--out", html])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("chain sound"))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.components(separatedBy: "<svg").count - 1 == 5)          // with ROI: five charts
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("<script"))
        for text in ["Montdidier", "Return on investment", "13201", "Promenade des Remparts"] {
            #expect(page.contains(text), "missing \(text)")
        }
        // The ROI from the ledger: measured savings, the cabinet file's investment.
        let roi = try CLIRunner.run(["roi", "--ledger", ledger, "--cabinet", "examples/montdidier.yaml",
                                     "--from", "2026-01-01", "--to", "2026-02-15", "--json"])
        #expect(roi.status == 0, "\(roi.stderr)")
        #expect(roi.stderr.contains("warning: the period is 45 days"))
        let o = try #require(try JSONSerialization.jsonObject(with: Data(roi.stdout.utf8)) as? [String: Any])
        #expect(o["capexEur"] as? Double == 95_000)
        #expect((o["annualSavingsKWh"] as? Double ?? 0) > 50_000)
        #expect(o["simplePaybackYears"] is Double && o["irr"] is Double)
        // Bad combinations are usage errors.
        let mixed = try CLIRunner.run(["roi", "--ledger", ledger, "--annual-savings-kwh", "5"])
        #expect(mixed.status == 2)
        // A tampered ledger makes the report say so.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"update measurement set energy_wh=energy_wh+7 where seq=500\"); c.commit()", ledger]
        try p.run()
        p.waitUntilExit()
        let broken = try CLIRunner.run(["report", "--ledger", ledger, "--cabinet", "examples/montdidier.yaml",
                                        "--from", "2026-01-01", "--to", "2026-02-15", "--out", html])
        #expect(broken.stdout.contains("chain BROKEN") && broken.stderr.contains("record 500"))
    }
}

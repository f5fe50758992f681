import Foundation
import Testing

@Suite struct ProfileValidateCommand {
    @Test func shippedProfilesAreValid() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: CLIRunner.packageRoot.appendingPathComponent("profiles").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "profiles/" + $0 }
        #expect(files.count >= 4)
        let r = try CLIRunner.run(["profile", "validate"] + files)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        #expect(r.stdout.contains("profiles/residential-part-night.yaml: valid — profile 'residential-part-night'"))
    }

    @Test func invalidFileExitsOneWithPositionedErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml")
        try """
        profile: bad
        plans:
          - id: night
            switch:
              - { at: sunset, levl: 100 }
              - { at: sunrise, level: 0 }
        programs:
          - id: p
        groups:
          - { id: g, circuits: [c1], program: p }
        """.write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["profile", "validate", "profiles/montdidier.yaml", bad.path])
        #expect(r.status == 1)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(bad.path):5:23: error: unknown key 'levl' in 'plans[0].switch[0]'; did you mean 'level'?"))
        #expect(lines.contains("\(bad.path):5:9: error: missing required key 'level' in 'plans[0].switch[0]'"))
        #expect(lines.contains("\(bad.path):8:5: error: program 'p' has no default plan: add 'default: PLAN' for the days no rule matches"))
        #expect(lines.last == "\(bad.path): invalid (3 error(s))")
        #expect(r.stdout.contains("profiles/montdidier.yaml: valid"))
        #expect(!r.stderr.contains("Fatal error"))
    }

    @Test func usageErrorsExitTwo() throws {
        let none = try CLIRunner.run(["profile", "validate"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("give at least one profile file") || none.stderr.contains("Missing expected argument"))
        let unknown = try CLIRunner.run(["profile", "validate", "--frobnicate", "x.yaml"])
        #expect(unknown.status == 2)
    }

    @Test func aCabinetFileIsNotAProfile() throws {
        let r = try CLIRunner.run(["profile", "validate", "examples/montdidier.yaml"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("examples/montdidier.yaml:8:1: error: this is a cabinet file (it has a top-level 'cabinet:' key), not a profile file\n"))
        let board = try CLIRunner.run(["profile", "plan", "--cabinet", "boards/simulated.yaml", "--date", "2026-01-01"])
        #expect(board.stderr == "boards/simulated.yaml:7:1: error: this is a board file (it has a top-level 'board:' key), not a cabinet file\n")
    }

    @Test func missingFileIsOneLine() throws {
        let r = try CLIRunner.run(["profile", "validate", "profiles/nope.yaml"])
        #expect(r.status == 1)
        #expect(r.stderr == "profiles/nope.yaml:1:1: error: cannot read profile: no such file\nprofiles/nope.yaml: invalid (1 error(s))\n")
    }
}

@Suite struct ProfilePlanCommand {
    @Test func tonightsTimelineAsJSON() throws {
        let r = try CLIRunner.run(["profile", "plan", "--cabinet", "examples/montdidier.yaml", "--date", "2026-11-20", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(o["date"] as? String == "2026-11-20")
        #expect(o["timeZone"] as? String == "Europe/Paris")
        let groups = try #require(o["groups"] as? [[String: Any]])
        #expect(groups.map { $0["id"] as? String } == ["route-de-paris", "quartier-saint-pierre", "promenade-des-remparts"])
        let residential = try #require(groups[1]["steps"] as? [[String: Any]])
        #expect(residential.map { $0["level"] as? Double } == [100, 60, 0, 100, 0])
        #expect(residential[2]["at"] as? String == "2026-11-20T23:30:00Z")   // 00:30 CET
        #expect(residential[0]["photocellWindow"] != nil)
    }

    @Test func textNamesReasonsAndWindows() throws {
        let r = try CLIRunner.run(["profile", "plan", "--cabinet", "examples/montdidier.yaml", "--date", "2026-12-24"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Group quartier-saint-pierre — circuits c2 (56 luminaires) — plan all-night"))
        #expect(r.stdout.contains("plan all-night: sunset+10m — photocell may switch"))
        #expect(r.stdout.contains("presence 'walkers': pir-1@3, pir-2@9, pir-3@15, pir-4@21"))
    }

    @Test func anotherProfileAgainstTheCabinet() throws {
        let r = try CLIRunner.run(["profile", "plan", "--cabinet", "examples/montdidier.yaml",
                                   "--profile", "profiles/town-centre-festive.yaml", "--date", "2026-10-31"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("plan market-night"))
    }

    @Test func badDateIsAUsageError() throws {
        let r = try CLIRunner.run(["profile", "plan", "--cabinet", "examples/montdidier.yaml", "--date", "2026-02-30"])
        #expect(r.status == 2)
        #expect(r.stderr == "error: --date '2026-02-30' is not a calendar date: expected YYYY-MM-DD (see 'lanterne --help')\n")
    }
}

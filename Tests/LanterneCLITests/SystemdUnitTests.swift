import Foundation
import Testing

/// tools/systemd/lanterne.service, checked by systemd's own tools (systemd is installed but not
/// PID 1 here): `systemd-analyze verify` finds nothing to say, and the hardening keeps the
/// exposure that `systemd-analyze security` computes low.
@Suite struct SystemdUnitTests {
    static let unit = CLIRunner.packageRoot.appendingPathComponent("tools/systemd/lanterne.service")

    /// The unit with its ExecStart pointing at the binary under test (verify checks that it
    /// exists and is executable), written as `lanterne.service` in a fresh directory.
    static func unitUnderTest(editing edit: (String) -> String = { $0 }) throws -> URL {
        let text = try String(contentsOf: unit, encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/lanterne", with: CLIRunner.executable.path)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("lanterne.service")
        try edit(text).write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static func analyze(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try run(URL(fileURLWithPath: "/usr/bin/systemd-analyze"), arguments)
    }

    /// Runs a program to its end: its exit status and its output and errors together.
    static func run(_ executable: URL, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func verifyFindsNothingToSay() throws {
        let file = try Self.unitUnderTest()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let r = try Self.analyze(["verify", file.path])
        #expect(r.status == 0)
        #expect(r.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(r.output)")
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        for line in ["Type=notify", "WatchdogSec=", "User=lanterne", "SupplementaryGroups=gpio dialout",
                     "DeviceAllow=char-gpiochip rw", "StateDirectory=lanterne", "RuntimeDirectory=lanterne",
                     "--control /run/lanterne/control.sock", "--state /var/lib/lanterne/state.json"] {
            #expect(text.contains(line), "\(line)")
        }
    }

    /// The check can fail: verify reports a mistake (with exit status 0, hence the output is
    /// what the test looks at).
    @Test func verifyReportsAMistake() throws {
        let file = try Self.unitUnderTest { $0.replacingOccurrences(of: "Type=notify", with: "Type=notifyy") }
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let r = try Self.analyze(["verify", file.path])
        #expect(r.output.contains("Failed to parse service type"), "\(r.output)")
    }

    @Test func theHardeningKeepsTheExposureLow() throws {
        let file = try Self.unitUnderTest()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let r = try Self.analyze(["security", "--offline=yes", "--no-pager", file.path])
        let line = try #require(r.output.split(separator: "\n").first { $0.contains("Overall exposure level") }, "\(r.output)")
        let score = try #require(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }, "\(line)")
        #expect(score <= 3.0, "\(line)")   // systemd calls up to 3.9 "OK"; a unit without hardening scores 9.6
    }

    /// tools/systemd/install.sh into a root of the test's own (`--root`): the user in the
    /// groups that reach the GPIO chips and the serial ports, the files with their modes, and
    /// the same result when run again.
    @Test func installMakesTheUserAndPutsTheFilesInPlace() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-root-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let etc = root.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: etc, withIntermediateDirectories: true)
        for file in ["passwd", "group", "shadow", "gshadow", "login.defs"]
        where FileManager.default.fileExists(atPath: "/etc/" + file) {
            try FileManager.default.copyItem(atPath: "/etc/" + file, toPath: etc.appendingPathComponent(file).path)
        }
        let cabinet = root.appendingPathComponent("cabinet-files")
        try FileManager.default.createDirectory(at: cabinet, withIntermediateDirectories: true)
        try "cabinet: test\n".write(to: cabinet.appendingPathComponent("cabinet.yaml"), atomically: true, encoding: .utf8)
        try "board: test\n".write(to: cabinet.appendingPathComponent("board.yaml"), atomically: true, encoding: .utf8)
        func install() throws -> (status: Int32, output: String) {
            try Self.run(CLIRunner.packageRoot.appendingPathComponent("tools/systemd/install.sh"),
                         ["--binary", CLIRunner.executable.path, "--root", root.path, "--cabinet", cabinet.path])
        }
        for run in 1 ... 2 {
            let r = try install()
            #expect(r.status == 0, "run \(run): \(r.output)")
            let passwd = try String(contentsOf: etc.appendingPathComponent("passwd"), encoding: .utf8).split(separator: "\n")
            let users = passwd.filter { $0.hasPrefix("lanterne:") }
            #expect(users.count == 1, "\(users)")
            #expect(users.first?.hasSuffix(":/var/lib/lanterne:/usr/sbin/nologin") == true, "\(users)")
            let groups = try String(contentsOf: etc.appendingPathComponent("group"), encoding: .utf8).split(separator: "\n")
            for name in ["gpio", "dialout"] {
                let line = groups.first { $0.hasPrefix(name + ":") }
                #expect(line?.split(separator: ":", omittingEmptySubsequences: false).last?.split(separator: ",").contains("lanterne") == true,
                        "\(name): \(line ?? "missing")")
            }
        }
        func mode(_ path: String) throws -> Int {
            try (FileManager.default.attributesOfItem(atPath: root.path + path)[.posixPermissions] as? Int) ?? -1
        }
        #expect(try mode("/usr/local/bin/lanterne") == 0o755)
        #expect(try mode("/etc/systemd/system/lanterne.service") == 0o644)
        #expect(try mode("/etc/lanterne") == 0o750)
        #expect(try mode("/etc/lanterne/trusted-keys") == 0o750)
        #expect(try mode("/etc/lanterne/cabinet.yaml") == 0o640)
        #expect(FileManager.default.fileExists(atPath: root.path + "/etc/lanterne/board.yaml"))
        #expect(try String(contentsOfFile: root.path + "/etc/systemd/system/lanterne.service", encoding: .utf8)
            == String(contentsOf: Self.unit, encoding: .utf8))
        #expect(try String(contentsOfFile: root.path + "/etc/udev/rules.d/60-lanterne-gpio.rules", encoding: .utf8)
            .contains(#"KERNEL=="gpiochip*", GROUP="gpio""#))
    }
}

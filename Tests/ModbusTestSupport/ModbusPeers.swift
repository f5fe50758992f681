import Foundation

/// The Modbus test bed (tools/modbus-testbed) as Swift tests use it: pymodbus servers, the
/// byte-paced pseudo-terminal relay and libmodbus' example servers, started as child processes
/// and driven over their stdin/stdout line protocol.
public enum ModbusTestbed {
    public static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Paths: Sendable {
        public var python: String, peer: String, relay: String, fixture: String, examples: String
    }

    /// Runs tools/modbus-testbed/setup.sh once per process (it installs missing apt packages,
    /// builds the venv and libmodbus' examples on first use, and is instant afterwards).
    public static let paths: Result<Paths, TestbedError> = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [repo.appendingPathComponent("tools/modbus-testbed/setup.sh").path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.standardError
        do { try p.run() } catch { return .failure(TestbedError("cannot run setup.sh: \(error)")) }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return .failure(TestbedError("tools/modbus-testbed/setup.sh failed (exit \(p.terminationStatus))")) }
        var env: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { env[String(parts[0])] = String(parts[1]) }
        }
        guard let py = env["LANTERNE_MODBUS_PYTHON"], let peer = env["LANTERNE_MODBUS_PEER"], let relay = env["LANTERNE_MODBUS_RELAY"],
              let fixture = env["LANTERNE_MODBUS_FIXTURE"], let examples = env["LANTERNE_MODBUS_EXAMPLES"] else {
            return .failure(TestbedError("setup.sh did not print the test bed's paths"))
        }
        return .success(Paths(python: py, peer: peer, relay: relay, fixture: fixture, examples: examples))
    }()

    public static func requirePaths() throws -> Paths { try paths.get() }

    /// The fixture values the peers serve (tools/modbus-testbed/fixtures/values.json).
    public static func fixture() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try requirePaths().fixture))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// A float32 fixture value of an SDM map, by register address.
    public static func sdmValue(_ model: String, address: Int) throws -> Float {
        let f = try fixture()
        let regs = (f[model] as? [String: Any])?["input_registers_float32"] as? [[String: Any]] ?? []
        guard let v = regs.first(where: { ($0["address"] as? Int) == address })?["value"] as? Double else {
            throw TestbedError("no \(model) fixture value at \(address)")
        }
        return Float(v)
    }

    /// A raw SunSpec point of the fixture.
    public static func sunspecPoint(_ device: String, model: Int, point: String) throws -> Int {
        let f = try fixture()
        let models = (f[device] as? [String: Any])?["models"] as? [[String: Any]] ?? []
        guard let m = models.first(where: { ($0["id"] as? Int) == model }), let v = (m["points"] as? [String: Any])?[point] as? Int else {
            throw TestbedError("no \(device) model \(model) point \(point) in the fixture")
        }
        return v
    }
}

extension ModbusTestbed {
    /// The text of a hardware board on two TCP peers: bus `io` (an I/O module) and bus `dali`
    /// with a 4-channel gateway `gw` at unit 3 (`switchCoil`: its channels also switched by
    /// coils 0-3), and the given outputs (YAML flow mappings, one a line).
    public static func twoPeerBoard(id: String = "modbus-test", io: String, dali: String, timeout: String = "150ms",
                                    switchCoil: Bool = false, outputs: [String]) -> String {
        """
        board: \(id)
        driver: hardware
        buses:
          - { id: io, tcp: "\(io)", timeout: \(timeout), retries: 0 }
          - { id: dali, tcp: "\(dali)", timeout: \(timeout), retries: 0 }
        gateways:
          - { id: gw, bus: dali, unit: 3, channels: 4, level: { register: 0, fullScale: 254 }\(switchCoil ? ", switch: { coil: 0 }" : "") }
        outputs:
        \(outputs.map { "  - " + $0 }.joined(separator: "\n"))
        """
    }
}

public struct TestbedError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}

/// A child process speaking the test bed's protocol: one READY line, then one answer line
/// (`OK ...` or `ERR ...`) per command line.
public final class TestbedProcess: @unchecked Sendable {
    let process = Process()
    let stdin = Pipe(), stdout = Pipe()
    private var buffer = Data()
    private let lock = NSLock()
    /// The READY line's words after "READY".
    public private(set) var ready: [String] = []

    public init(executable: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = try readLine(timeout: 20)
        guard line.hasPrefix("READY") else { throw TestbedError("\(executable) did not get ready: \(line)") }
        ready = line.split(separator: " ").dropFirst().map(String.init)
    }

    deinit { stop() }

    public func stop() {
        if process.isRunning {
            try? stdin.fileHandleForWriting.write(contentsOf: Data("quit\n".utf8))
            try? stdin.fileHandleForWriting.close()
            let deadline = Date().addingTimeInterval(2)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            Self.end(process)
        }
    }

    /// SIGTERM, then SIGKILL if the process is still there after two seconds (a pymodbus
    /// server blocked on a serial port may not stop on SIGTERM), then reap it.
    static func end(_ process: Process) {
        guard process.isRunning else { process.waitUntilExit(); return }
        process.terminate()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func readLine(timeout: TimeInterval) throws -> String {
        lock.lock(); defer { lock.unlock() }
        let fd = stdout.fileHandleForReading.fileDescriptor
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<nl], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...nl)
                return line
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw TestbedError("no answer within \(timeout) s") }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, Int32(min(left, 1) * 1000)) > 0 {
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { throw TestbedError("the process closed its output") }
                buffer.append(contentsOf: chunk[0..<n])
            }
        }
    }

    /// Sends a command and returns the payload after `OK`.
    @discardableResult
    public func command(_ text: String) throws -> String {
        try stdin.fileHandleForWriting.write(contentsOf: Data((text + "\n").utf8))
        let answer = try readLine(timeout: 10)
        guard answer.hasPrefix("OK") else { throw TestbedError("'\(text)': \(answer)") }
        return String(answer.dropFirst(2)).trimmingCharacters(in: .whitespaces)
    }
}

/// A pymodbus server (tools/modbus-testbed/peer.py).
public final class ModbusPeer: @unchecked Sendable {
    public let process: TestbedProcess
    /// `host:port` for TCP peers.
    public let address: String
    public var host: String { String(address.split(separator: ":")[0]) }
    public var port: Int { Int(address.split(separator: ":")[1])! }

    /// Starts a TCP peer on a free loopback port serving `devices` (`"1:sdm120"`, ...).
    public init(tcp devices: [String], extra: [String] = []) throws {
        let p = try ModbusTestbed.requirePaths()
        process = try TestbedProcess(executable: p.python, arguments: [p.peer, "--tcp", "127.0.0.1:0"] + devices.flatMap { ["--device", $0] } + extra)
        address = process.ready.last ?? ""
    }

    /// Starts an RTU peer on a serial device (the relay's server end).
    public init(rtu device: String, baud: Int = 9600, devices: [String], extra: [String] = []) throws {
        let p = try ModbusTestbed.requirePaths()
        process = try TestbedProcess(executable: p.python, arguments: [p.peer, "--rtu", device, "--baud", "\(baud)"] + devices.flatMap { ["--device", $0] } + extra)
        address = device
    }

    @discardableResult public func command(_ text: String) throws -> String { try process.command(text) }

    /// Register values as the server holds them.
    public func get(unit: Int, table: String, address: Int, count: Int) throws -> [Int] {
        try command("get \(unit) \(table) \(address) \(count)").split(separator: " ").compactMap { Int($0) }
    }

    /// Requests received per unit and function code.
    public func stats() throws -> [String: [String: Int]] {
        let json = try command("stats")
        return (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [String: Int]]) ?? [:]
    }
}

/// A byte-paced RTU line between two pseudo-terminals (tools/modbus-testbed/ptyrelay.py).
public final class PacedRelay: @unchecked Sendable {
    public let process: TestbedProcess
    public let client: String, server: String

    public init(baud: Int = 9600, bitsPerChar: Int = 10, seed: Int = 7) throws {
        let p = try ModbusTestbed.requirePaths()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-rtu-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        process = try TestbedProcess(executable: p.python, arguments: [
            p.relay, "--client-link", dir.appendingPathComponent("client").path, "--server-link", dir.appendingPathComponent("server").path,
            "--baud", "\(baud)", "--bits-per-char", "\(bitsPerChar)", "--seed", "\(seed)"])
        client = dir.appendingPathComponent("client").path
        server = dir.appendingPathComponent("server").path
    }

    @discardableResult public func command(_ text: String) throws -> String { try process.command(text) }
}

/// One of libmodbus' own example servers (built by setup.sh from libmodbus-dev's examples).
public final class LibmodbusExampleServer: @unchecked Sendable {
    let process = Process()

    /// Starts `unit-test-server tcp` (it listens on 127.0.0.1:1502).
    public init(_ name: String, arguments: [String]) throws {
        let p = try ModbusTestbed.requirePaths()
        process.executableURL = URL(fileURLWithPath: "\(p.examples)/\(name)")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // It prints nothing when ready: wait until the port accepts connections.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if Self.isListening(port: 1502) { return }
            usleep(20_000)
        }
        throw TestbedError("\(name) did not start listening on 1502")
    }

    deinit { TestbedProcess.end(process) }

    /// Whether something listens on TCP `port`, read from /proc/net/tcp (connecting would use
    /// up the example server's single connection). Read to its end: `String(contentsOfFile:)`
    /// stops after the first 4 KB of a /proc file, about 27 sockets.
    static func isListening(port: UInt16) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: "/proc/net/tcp"), let data = try? handle.readToEnd() else { return false }
        try? handle.close()
        let table = String(decoding: data, as: UTF8.self)
        let needle = String(format: ":%04X ", port)
        return table.split(separator: "\n").contains { $0.contains(needle) && $0.split(separator: " ").count > 3 && $0.split(separator: " ")[3] == "0A" }
    }
}

/// A pseudo-terminal pair made by socat (`socat pty,raw,echo=0,link=A pty,raw,echo=0,link=B`):
/// an unpaced RTU line, bytes delivered at once.
public final class SocatPair: @unchecked Sendable {
    let process = Process()
    public let a: String, b: String

    public init() throws {
        _ = try ModbusTestbed.requirePaths()      // setup.sh installs socat
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-socat-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        a = dir.appendingPathComponent("a").path
        b = dir.appendingPathComponent("b").path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
        process.arguments = ["pty,raw,echo=0,link=\(a)", "pty,raw,echo=0,link=\(b)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: a) && FileManager.default.fileExists(atPath: b) { return }
            usleep(10_000)
        }
        throw TestbedError("socat did not create \(a) and \(b)")
    }

    deinit { TestbedProcess.end(process) }
}

/// The test bed's cabinet peer (`peer.py --cabinet`, tools/modbus-testbed/fixtures/cabinet.json):
/// an I/O module, a DALI gateway, an SDM630 and a SunSpec inverter, one TCP port per bus of
/// boards/modbus-tcp-cabinet.yaml, whose meter follows the outputs it is driven with.
public final class CabinetPeer: @unchecked Sendable {
    public let process: TestbedProcess
    /// `host:port` per bus id (io, meter-gw, dali-gw, pv).
    public let buses: [String: String]

    /// - Parameter timeScale: energy counts this many times faster than the wall clock.
    public init(timeScale: Double = 1) throws {
        let p = try ModbusTestbed.requirePaths()
        let model = ModbusTestbed.repo.appendingPathComponent("tools/modbus-testbed/fixtures/cabinet.json").path
        let listen = ["io", "meter-gw", "dali-gw", "pv"].flatMap { ["--listen", "\($0)=127.0.0.1:0"] }
        process = try TestbedProcess(executable: p.python, arguments: [p.peer, "--cabinet", model, "--time-scale", "\(timeScale)"] + listen)
        var buses: [String: String] = [:]
        for word in process.ready.dropFirst() {   // "cabinet", then BUS=HOST:PORT
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { buses[String(parts[0])] = String(parts[1]) }
        }
        self.buses = buses
    }

    @discardableResult public func command(_ text: String) throws -> String { try process.command(text) }

    /// The peer's `state` (outputs, phases, total power, import kWh, inverter, inputs).
    public func state() throws -> [String: Any] {
        let json = try command("state")
        return (try JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
    }

    /// A cabinet on this peer in `dir`: `board.yaml` (``board(timeout:)``) and `cabinet.yaml`
    /// with three circuits on k1, k2 and k3 (phases L1, L2, L3), of 100 W luminaires without
    /// standby, as many as the peer's model draws on each output (18, 12, 9: 1,800, 1,200 and
    /// 900 W), with the gpio-sim check's profile, and `extra` lines. Returns the cabinet
    /// file's path.
    public func writeCabinet(in dir: URL, id: String, extra: String = "") throws -> String {
        try board().write(to: dir.appendingPathComponent("board.yaml"), atomically: true, encoding: .utf8)
        let profile = ModbusTestbed.repo.appendingPathComponent("tools/gpio-sim/check/testbed-profile.yaml").path
        let file = dir.appendingPathComponent("cabinet.yaml")
        try """
            cabinet: \(id)
            site: { latitude: 49.648, longitude: 2.570, timeZone: Europe/Paris }
            board: board.yaml
            profile: \(profile)
            luminaires:
              - { id: street, ratedWatts: 100, standbyWatts: 0, legacyWatts: 150 }
            circuits:
              - { id: c1, output: k1, luminaire: street, count: 18 }
              - { id: c2, output: k2, luminaire: street, count: 12 }
              - { id: c3, output: k3, luminaire: street, count: 9 }
            \(extra)
            """.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// boards/modbus-tcp-cabinet.yaml with this peer's addresses, and `timeout`.
    public func board(timeout: String = "300ms") throws -> String {
        var text = try String(contentsOf: ModbusTestbed.repo.appendingPathComponent("boards/modbus-tcp-cabinet.yaml"), encoding: .utf8)
        let real = ["io": "192.168.10.20:502", "meter-gw": "192.168.10.21:502", "dali-gw": "192.168.10.22:502", "pv": "192.168.10.30:502"]
        for (bus, address) in real {
            guard let local = buses[bus] else { throw TestbedError("the cabinet peer has no bus \(bus)") }
            text = text.replacingOccurrences(of: "tcp: \"\(address)\"", with: "tcp: \"\(local)\"")
        }
        return text.replacingOccurrences(of: #"timeout: \d+(ms|s)"#, with: "timeout: \(timeout)", options: .regularExpression)
    }
}

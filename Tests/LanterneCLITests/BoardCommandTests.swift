import Foundation
import ModbusTestSupport
import Testing

@Suite struct BoardValidateCommand {
    @Test func shippedBoardsAreValid() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: CLIRunner.packageRoot.appendingPathComponent("boards").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "boards/" + $0 }
        #expect(files.count >= 6)
        let r = try CLIRunner.run(["board", "validate"] + files)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("boards/rpi-relay-hat-rs485.yaml: valid — board 'rpi-relay-hat-rs485' (hardware)"))
    }

    @Test func everyMistakeIsReportedWithItsPosition() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-board-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml")
        try """
        board: bad
        driver: hardware
        chips:
          - { id: main, chip: gpiochip0 }
        buses:
          - { id: rs485, rtu: /dev/ttyUSB0, parity: X }
          - { id: lan, tcp: "10.0.0.1:99999" }
        gateways:
          - { id: gw, bus: rs48, unit: 2, channels: 4, level: { register: 0, fullScale: 254 } }
        outputs:
          - { id: k1, kind: relay, gpio: { chip: main, line: 5 } }
          - { id: k2, kind: relay, gpio: { chip: main, line: 5 } }
          - { id: k3, kind: relay, gpio: { chip: mian, line: 6 } }
          - { id: k4, kind: relay }
          - { id: d1, kind: dimmer, gateway: { id: gw, channel: 0 } }
        meters:
          - { id: m1, model: sdm630 }
        """.write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["board", "validate", bad.path])
        #expect(r.status == 1)
        let e = r.stderr
        #expect(e.contains("bad.yaml:6:45: error: 'buses[0].parity' must be N, E or O"))
        #expect(e.contains("bad.yaml:7:21: error: 'buses[1].tcp' must be HOST:PORT"))
        #expect(e.contains("error: 'gateways[0].bus': no bus 'rs48' in 'buses'; did you mean 'rs485'?"))
        #expect(e.contains("bad.yaml:12:54: error: GPIO chip 'main' line 5 is already used at 11:54"))
        #expect(e.contains("error: 'outputs[2].gpio.chip': no chip 'mian' in 'chips'; did you mean 'main'?"))
        #expect(e.contains("bad.yaml:14:5: error: 'k4' is not attached to anything"))
        #expect(!e.contains("'k3' is not attached"))        // its wrong chip is the one finding
        #expect(e.components(separatedBy: "error:").count - 1 == 8)
        #expect(e.contains("'meters[0]' is a sdm630 and needs a 'bus' and a 'unit'"))
    }

    @Test func aSimulatedBoardTakesNoBusDetails() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-board-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("sim.yaml")
        try """
        board: sim
        driver: simulated
        chips:
          - { id: main, chip: gpiochip0 }
        outputs:
          - { id: k1, kind: relay, gpio: { chip: main, line: 5 } }
        """.write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLIRunner.run(["board", "validate", bad.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("'k1' is attached to hardware, but the board's driver is simulated"))
    }
}

/// `board probe` and `modbus read|write` against pymodbus peers.
@Suite(.serialized) struct HardwareCommands {
    static func board(_ text: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lanterne-probe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let f = dir.appendingPathComponent("board.yaml")
        try text.write(to: f, atomically: true, encoding: .utf8)
        return f
    }

    static func cabinet(_ a: ModbusPeer, _ b: ModbusPeer) throws -> URL {
        try board("""
            board: tcp-cabinet
            description: probe test
            driver: hardware
            buses:
              - { id: field, tcp: "\(a.address)", timeout: 200ms, retries: 0 }
              - { id: pv, tcp: "\(b.address)", timeout: 200ms, retries: 0 }
            gateways:
              - { id: dali, bus: field, unit: 3, channels: 8, level: { register: 0, fullScale: 254 }, status: { register: 100 } }
            outputs:
              - { id: k1, kind: relay, coil: { bus: field, unit: 4, address: 0 } }
              - { id: d1, kind: dimmer, gateway: { id: dali, channel: 1 } }
            inputs:
              - { id: photocell, kind: photocell, discreteInput: { bus: field, unit: 4, address: 0 } }
            meters:
              - { id: meter-main, model: sdm630, bus: field, unit: 1 }
            inverters:
              - { id: inverter-1, model: sunspec, bus: pv, unit: 1 }
            """)
    }

    @Test func probeReadsEveryDevice() throws {
        let field = try ModbusPeer(tcp: ["1:sdm630", "3:gateway:8", "4:io:4"])
        let pv = try ModbusPeer(tcp: ["1:sunspec-inverter"])
        let f = try Self.cabinet(field, pv)
        let r = try CLIRunner.run(["board", "probe", "--board", f.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")    // a lamp failure the gateway reports is a reading, not a probe failure
        #expect(r.stdout.contains("meter-main"))
        #expect(r.stdout.contains("kWh imported"))
        #expect(r.stdout.contains("SunSpec at 40000: models 1, 103; Lanterne Testbed"))
        #expect(r.stdout.contains("d1") && r.stdout.contains("level 50.4 % (register 128)"), "\(r.stdout)")
        #expect(r.stdout.contains("channel 3 status 2"))
        let json = try CLIRunner.run(["board", "probe", "--board", f.path, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let devices = object?["devices"] as? [[String: Any]] ?? []
        #expect(devices.contains { ($0["id"] as? String) == "inverter-1" && ($0["ok"] as? Bool) == true })
    }

    @Test func aFailingDeviceIsNamedWithItsBusUnitAndRegister() throws {
        let field = try ModbusPeer(tcp: ["1:sdm630", "3:gateway:8", "4:io:4"])
        let pv = try ModbusPeer(tcp: ["1:sunspec-inverter"])
        try field.command("mute 1")
        let f = try Self.cabinet(field, pv)
        let r = try CLIRunner.run(["board", "probe", "--board", f.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("meter-main  meter     FAILED  device \"meter-main\" (\(field.address) unit 1 function 4 register 0): timeout"), "\(r.stdout)")
        #expect(r.stdout.contains("inverter-1") && r.stdout.contains("SunSpec at 40000"))   // the rest answered
        #expect(r.stdout.contains("1 of "))
    }

    @Test func modbusReadDecodesTypesAndWriteWritesRegisters() throws {
        let peer = try ModbusPeer(tcp: ["1:sdm120", "2:gateway:4"])
        let r = try CLIRunner.run(["modbus", "read", "--tcp", peer.address, "--unit", "1", "--function", "4", "--address", "72", "--type", "f32"])
        #expect(r.status == 0, "\(r.stderr)")
        let kWh = try ModbusTestbed.sdmValue("sdm120", address: 72)
        #expect(r.stdout.hasPrefix("72\t\(kWh)\t0x"))
        let w = try CLIRunner.run(["modbus", "write", "--tcp", peer.address, "--unit", "2", "--address", "0", "10", "20", "30"])
        #expect(w.status == 0, "\(w.stderr)")
        #expect(try peer.get(unit: 2, table: "hr", address: 0, count: 3) == [10, 20, 30])
        #expect(try peer.stats()["2"]?["16"] == 1)
        let little = try CLIRunner.run(["modbus", "read", "--tcp", peer.address, "--unit", "2", "--address", "0", "--type", "u32", "--word-order", "little"])
        #expect(little.stdout.hasPrefix("0\t\(20 << 16 | 10)\t"))
        let coils = try CLIRunner.run(["modbus", "write", "--tcp", peer.address, "--unit", "2", "--address", "1", "--coils", "off", "on"])
        #expect(coils.status == 0)
        #expect(try peer.get(unit: 2, table: "co", address: 1, count: 2) == [0, 1])
        let bad = try CLIRunner.run(["modbus", "read", "--tcp", peer.address, "--unit", "1", "--function", "4", "--address", "9000"])
        #expect(bad.status == 1)
        #expect(bad.stderr == "error: \(peer.address) unit 1 function 4 register 9000: exception 2 (illegal data address): Illegal data address\n")
        let usage = try CLIRunner.run(["modbus", "read", "--address", "0"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("give --tcp HOST:PORT or --rtu DEVICE"))
    }
}

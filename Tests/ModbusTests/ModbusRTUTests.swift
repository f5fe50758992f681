import Foundation
import HAL
@testable import Modbus
import ModbusTestSupport
import Testing
import Units

/// Modbus RTU through a pseudo-terminal relay that paces bytes at 9600 baud 8N1 and can
/// garble or cut the line, with a pymodbus RTU server on the far side.
@Suite(.serialized) struct ModbusRTUTests {
    struct Bed {
        let relay: PacedRelay
        let peer: ModbusPeer
        let line: ModbusLine
    }

    static func bed(_ devices: [String], options: ModbusLine.Options = .init(responseTimeout: .milliseconds(300), retries: 1,
                                                                            retryDelay: .milliseconds(30), faultRetry: .milliseconds(100),
                                                                            faultRetryMax: .milliseconds(200))) throws -> Bed {
        let relay = try PacedRelay()
        let peer = try ModbusPeer(rtu: relay.server, devices: devices)
        let line = ModbusLine(endpoint: .rtu(.init(device: relay.client, baud: 9600)), options: options)
        return Bed(relay: relay, peer: peer, line: line)
    }

    @Test func readsAMeterOverRTU() async throws {
        let b = try Self.bed(["1:sdm120"])
        let r = try await EastronMeter(name: "meter-c1", line: b.line, unit: 1, model: .sdm120).read()
        #expect(Float(r.voltage[0]) == (try ModbusTestbed.sdmValue("sdm120", address: 0)))
        #expect(r.importEnergy == MeterReading.energy(kilowattHours: Double(try ModbusTestbed.sdmValue("sdm120", address: 72))))
        await b.line.close()
    }

    @Test func corruptedFramesAreReportedAndTheLineRecovers() async throws {
        let b = try Self.bed(["1:sdm120", "2:gateway:8"], options: .init(responseTimeout: .milliseconds(200), retries: 0,
                                                                        faultRetry: .milliseconds(1), faultRetryMax: .milliseconds(1)))
        try b.relay.command("garble 0.25")
        var kinds: [ModbusError.Kind] = []
        for _ in 0..<20 {
            do { _ = try await b.line.readRegisters(unit: 1, input: true, address: 72, count: 2) } catch { kinds.append(error.kind) }
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(!kinds.isEmpty, "a quarter of the bytes garbled, yet every frame went through")
        #expect(kinds.allSatisfy { [.badFrame, .timeout, .exception(1), .exception(2), .exception(3), .exception(4)].contains($0) })
        try b.relay.command("garble 0")
        try await Task.sleep(for: .milliseconds(50))
        // Back to clean frames: every read succeeds and decodes to the served value.
        for _ in 0..<3 {
            let regs = try await b.line.readRegisters(unit: 1, input: true, address: 72, count: 2)
            #expect(RegisterCodec.decode(regs[...], as: .f32) == .float(try ModbusTestbed.sdmValue("sdm120", address: 72)))
        }
        await b.line.close()
    }

    @Test func aCutLineFaultsTheDeviceAndIsRetriedUntilItAnswers() async throws {
        let b = try Self.bed(["1:sdm120"])
        try b.relay.command("cut")
        do { _ = try await b.line.readRegisters(unit: 1, input: true, address: 72, count: 2); Issue.record("a cut line answered") } catch {
            #expect(error.kind == .timeout)
        }
        #expect(await b.line.health(of: 1).state == .faulted)
        try b.relay.command("restore")
        try await Task.sleep(for: .milliseconds(250))
        #expect(try await b.line.readRegisters(unit: 1, input: true, address: 72, count: 2).count == 2)
        #expect(await b.line.health(of: 1).state == .ok)
        await b.line.close()
    }

    @Test func sixtyFourGatewayChannelsInOneFrame() async throws {
        let b = try Self.bed(["2:gateway:64"])
        let gw = ModbusDimmingGateway(name: "dali", line: b.line, unit: 2,
                                      map: DimmingGatewayMap(channels: 64, levelAddress: 0, fullScale: 254))
        try b.peer.command("reset-stats")
        try await gw.apply((0..<64).map { ($0, DimLevel(tenths: $0 * 15)!) })
        #expect(try b.peer.stats()["2"] == ["16": 1])
        #expect(try b.peer.get(unit: 2, table: "hr", address: 60, count: 4) == (60..<64).map { Int(gw.map.encode(DimLevel(tenths: $0 * 15)!)) })
        await b.line.close()
    }
}

/// RTU over a plain socat pseudo-terminal pair, and a serial port that does not exist.
@Suite(.serialized) struct ModbusSocatTests {
    @Test func readsAMeterOverASocatPair() async throws {
        let pair = try SocatPair()
        let peer = try ModbusPeer(rtu: pair.b, devices: ["1:sdm630"])
        let line = ModbusLine(endpoint: .rtu(.init(device: pair.a, baud: 9600)), options: .init(responseTimeout: .milliseconds(300)))
        let r = try await EastronMeter(name: "meter-main", line: line, unit: 1, model: .sdm630).read()
        #expect(Float(r.power.value) == (try ModbusTestbed.sdmValue("sdm630", address: 52)))
        await line.close()
        _ = peer
    }

    @Test func aMissingSerialPortIsNamed() async throws {
        let line = ModbusLine(endpoint: .rtu(.init(device: "/dev/ttyNOPE7", baud: 9600)), options: .init(retries: 0))
        do { _ = try await line.readRegisters(unit: 1, input: true, address: 72, count: 2); Issue.record("opened a missing port") } catch {
            #expect(error.kind == .open)
            #expect(error.description.hasPrefix("/dev/ttyNOPE7 unit 1 function 4 register 72: open failed: cannot open serial port /dev/ttyNOPE7: "))
            #expect(error.halError(device: "meter").kind == .busFault)
        }
    }
}

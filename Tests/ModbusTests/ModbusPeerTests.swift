import HAL
@testable import Modbus
import ModbusTestSupport
import Testing
import Units

/// The driver against pymodbus servers (TCP on loopback) that nobody on the team wrote.
@Suite(.serialized) struct ModbusPeerTests {
    static let fast = ModbusLine.Options(responseTimeout: .milliseconds(200), retries: 1, retryDelay: .milliseconds(5),
                                         faultRetry: .milliseconds(100), faultRetryMax: .milliseconds(400))

    static func line(_ peer: ModbusPeer, _ options: ModbusLine.Options = fast) -> ModbusLine {
        ModbusLine(endpoint: .tcp(host: peer.host, port: peer.port), options: options)
    }

    @Test func eastronMetersDecodeTheirMaps() async throws {
        let peer = try ModbusPeer(tcp: ["1:sdm120", "2:sdm630"])
        let line = Self.line(peer)
        let m120 = EastronMeter(name: "meter-c1", line: line, unit: 1, model: .sdm120)
        let r = try await m120.read()
        #expect(Float(r.voltage[0]) == (try ModbusTestbed.sdmValue("sdm120", address: 0)))
        #expect(Float(r.power.value) == (try ModbusTestbed.sdmValue("sdm120", address: 12)))
        let kWh = try ModbusTestbed.sdmValue("sdm120", address: 72)
        #expect(r.importEnergy == MeterReading.energy(kilowattHours: Double(kWh)))
        #expect(try await m120.readImportEnergy() == r.importEnergy)
        let m630 = EastronMeter(name: "meter-main", line: line, unit: 2, model: .sdm630)
        let r6 = try await m630.read()
        let v3 = try ModbusTestbed.sdmValue("sdm630", address: 4)
        #expect(r6.voltage.count == 3)
        #expect(Float(r6.voltage[2]) == v3)
        #expect(Float(r6.power.value) == (try ModbusTestbed.sdmValue("sdm630", address: 52)))
        // Adjacent registers went in coalesced frames: 3 reads for the SDM630's 13 values.
        let stats = try peer.stats()
        #expect(stats["2"]?["4"] == 3)
        await line.close()
    }

    @Test func sunspecChainsAreDiscoveredAtEachBase() async throws {
        for base in [40_000, 0, 50_000] {
            let peer = try ModbusPeer(tcp: ["1:sunspec-inverter", "2:sunspec-meter"], extra: ["--sunspec-base", "\(base)"])
            let line = Self.line(peer)
            let inverter = SunSpecDevice(name: "pv", line: line, unit: 1)
            let found = try await inverter.discover()
            #expect(found.base == base)
            #expect(found.models.map(\.id) == [1, 103])
            #expect(found.common?.manufacturer == "Lanterne Testbed")
            let r = try await inverter.readInverter()
            let w = try ModbusTestbed.sunspecPoint("sunspec-inverter", model: 103, point: "W")
            let wsf = try ModbusTestbed.sunspecPoint("sunspec-inverter", model: 103, point: "W_SF")
            #expect(r.power == Watts(SunSpec.scaled(Double(w), wsf)!))
            let wh = try ModbusTestbed.sunspecPoint("sunspec-inverter", model: 103, point: "WH")
            let whsf = try ModbusTestbed.sunspecPoint("sunspec-inverter", model: 103, point: "WH_SF")
            #expect(r.energy == SunSpec.energy(UInt32(wh), whsf))
            #expect(try await SunSpecInverter(device: inverter).readProducedEnergy() == r.energy!)

            let meter = SunSpecDevice(name: "pv-meter", line: line, unit: 2)
            let m = try await meter.readMeter()
            #expect(m.model == 203)
            let imp = try ModbusTestbed.sunspecPoint("sunspec-meter", model: 203, point: "TotWhImp")
            let sf = try ModbusTestbed.sunspecPoint("sunspec-meter", model: 203, point: "TotWh_SF")
            #expect(m.importEnergy == SunSpec.energy(UInt32(imp), sf))
            // An inverter asked for a meter model says so.
            await #expect(throws: HALError.self) { try await inverter.readMeter() }
            await line.close()
        }
    }

    @Test func aDeviceWithoutSunSpecIsReportedAsNotFound() async throws {
        let peer = try ModbusPeer(tcp: ["1:sdm120"])
        let line = Self.line(peer)
        do {
            _ = try await SunSpecDevice(name: "pv", line: line, unit: 1).discover()
            Issue.record("found SunSpec on an SDM120")
        } catch {
            #expect(error.kind == .notFound)
            #expect(error.message.contains("40000, 0, 50000"))
        }
        await line.close()
    }

    @Test func gatewayChannelsGoInOneFramePerRun() async throws {
        let peer = try ModbusPeer(tcp: ["3:gateway:64"])
        let line = Self.line(peer)
        let gw = ModbusDimmingGateway(name: "dali", line: line, unit: 3,
                                      map: DimmingGatewayMap(channels: 64, levelAddress: 0, fullScale: 254, switching: .coil(address: 0), statusAddress: 100))
        try peer.command("reset-stats")
        let levels = (0..<64).map { (channel: $0, level: DimLevel(tenths: ($0 * 37) % 1001)!) }
        try await gw.apply(levels)
        let held = try peer.get(unit: 3, table: "hr", address: 0, count: 64)
        #expect(held == levels.map { Int(gw.map.encode($0.level)) })
        let coils = try peer.get(unit: 3, table: "co", address: 0, count: 64)
        #expect(coils == levels.map { $0.level.isOff ? 0 : 1 })
        let stats = try peer.stats()
        #expect(stats["3"] == ["16": 1, "15": 1])
        // One channel through the HAL protocol: function 6.
        try await gw.channel(5, name: "dali-5").set(level: .full)
        #expect(try peer.get(unit: 3, table: "hr", address: 5, count: 1) == [254])
        #expect(try peer.stats()["3"]?["6"] == 1)
        // Status: channel 3 reports a lamp failure in the fixture.
        let status = try await gw.readStatus()
        #expect(status?[3] == 2 && status?[0] == 0)
        await line.close()
    }

    @Test func exceptionRepliesAreReportedAndTheDeviceRecovers() async throws {
        let peer = try ModbusPeer(tcp: ["1:sdm120", "2:sdm120"])
        let line = Self.line(peer)
        let meter = EastronMeter(name: "meter-c1", line: line, unit: 1, model: .sdm120)
        let other = EastronMeter(name: "meter-c2", line: line, unit: 2, model: .sdm120)
        try peer.command("exception 1 4")
        do {
            _ = try await meter.readImportEnergy()
            Issue.record("an exception reply was taken for a reading")
        } catch {
            #expect(error.kind == .deviceFault)
            #expect(error.device == "meter-c1")
            #expect(error.location == "\(peer.address) unit 1 function 4 register 72")
            #expect(error.message.contains("exception 4 (server device failure)"))
        }
        #expect(await line.health(of: 1).state == .faulted)
        // The other unit on the same connection keeps working.
        _ = try await other.readImportEnergy()
        // Illegal address (exception 2) is an answer, not a device fault.
        do { _ = try await line.readRegisters(unit: 2, input: true, address: 9_000, count: 1) } catch {
            #expect(error.kind == .exception(2))
        }
        #expect(await line.health(of: 2).state == .ok)
        try peer.command("clear 1")
        try await Task.sleep(for: .milliseconds(450))
        _ = try await meter.readImportEnergy()
        #expect(await line.health(of: 1).state == .ok)
        await line.close()
    }

    @Test func aSilentDeviceIsFaultedSkippedAndRetried() async throws {
        let peer = try ModbusPeer(tcp: ["1:sdm120", "2:sdm120"])
        let line = Self.line(peer, .init(responseTimeout: .milliseconds(150), retries: 1, retryDelay: .milliseconds(5),
                                         faultRetry: .seconds(30), faultRetryMax: .seconds(60)))
        try peer.command("mute 1")
        do { _ = try await line.readRegisters(unit: 1, input: true, address: 72, count: 2); Issue.record("a muted unit answered") } catch {
            #expect(error.kind == .timeout)
            #expect(error.message.contains("no reply within 150 ms"))
        }
        let h = await line.health(of: 1)
        #expect(h.state == .faulted && h.nextAttempt != nil)
        // Until its next attempt a faulted unit fails at once, without a frame on the bus.
        let frames = await line.framesSent
        do { _ = try await line.readRegisters(unit: 1, input: true, address: 72, count: 2) } catch {
            #expect(error.kind == .faulted)
            #expect(error.message.contains("timeout"))
            // Faulted by timeouts: refused as transient, and reported to HAL callers as a timeout.
            #expect(error.cause == .timeout && error.isTransient)
            #expect(error.halError(device: "meter-c1").kind == .timeout)
        }
        #expect(await line.framesSent == frames)
        // The other device is untouched.
        #expect(try await line.readRegisters(unit: 2, input: true, address: 72, count: 2).count == 2)
        await line.close()
    }

    @Test func aDisconnectionMidOperationIsRecovered() async throws {
        let peer = try ModbusPeer(tcp: ["1:sdm120"])
        let line = Self.line(peer, .init(responseTimeout: .milliseconds(300), retries: 0, faultRetry: .milliseconds(1)))
        _ = try await line.readRegisters(unit: 1, input: true, address: 72, count: 2)
        try peer.command("drop-next")
        do { _ = try await line.readRegisters(unit: 1, input: true, address: 72, count: 2); Issue.record("the dropped request succeeded") } catch {
            #expect(error.kind == .connection || error.kind == .timeout)
        }
        try await Task.sleep(for: .milliseconds(5))
        // The line reconnects by itself.
        #expect(try await line.readRegisters(unit: 1, input: true, address: 72, count: 2).count == 2)
        try peer.command("disconnect")
        _ = try? await line.readRegisters(unit: 1, input: true, address: 72, count: 2)
        try await Task.sleep(for: .milliseconds(5))
        #expect(try await line.readRegisters(unit: 1, input: true, address: 72, count: 2).count == 2)
        await line.close()
    }

    @Test func aDeadServerOnOneLineLeavesTheOtherLinesAlone() async throws {
        var dead: ModbusPeer? = try ModbusPeer(tcp: ["1:sdm120"])
        let alive = try ModbusPeer(tcp: ["1:sdm120"])
        let a = Self.line(dead!), b = Self.line(alive)
        _ = try await a.readRegisters(unit: 1, input: true, address: 72, count: 2)
        dead?.process.stop()
        dead = nil
        do { _ = try await a.readRegisters(unit: 1, input: true, address: 72, count: 2); Issue.record("a stopped server answered") } catch {
            #expect([.connection, .open, .timeout].contains(error.kind))
        }
        #expect(try await b.readRegisters(unit: 1, input: true, address: 72, count: 2).count == 2)
        await a.close(); await b.close()
    }
}

/// The driver against libmodbus' own unit-test server (C, from libmodbus-dev's examples).
@Suite(.serialized) struct LibmodbusExampleServerTests {
    @Test func readsAndWritesTheUnitTestServer() async throws {
        let server = try LibmodbusExampleServer("unit-test-server", arguments: ["tcp"])
        _ = server
        let line = ModbusLine(endpoint: .tcp(host: "127.0.0.1", port: 1502), options: .init(responseTimeout: .milliseconds(500), retries: 0))
        // UT_INPUT_REGISTERS_ADDRESS 0x108 holds 0x000A; UT_REGISTERS_ADDRESS 0x160 takes 3 registers.
        #expect(try await line.readRegisters(unit: 17, input: true, address: 0x108, count: 1) == [0x000A])
        try await line.writeRegisters(unit: 17, address: 0x160, values: [0x022B, 0x0001, 0x0064])
        #expect(try await line.readRegisters(unit: 17, address: 0x160, count: 3) == [0x022B, 0x0001, 0x0064])
        try await line.writeCoils(unit: 17, address: 0x130, values: [true, false, true])
        #expect(try await line.readBits(unit: 17, address: 0x130, count: 3) == [true, false, true])
        // Outside its mapping the server answers "illegal data address".
        do { _ = try await line.readRegisters(unit: 17, address: 0x4000, count: 1); Issue.record("no exception") } catch {
            #expect(error.kind == .exception(2))
        }
        await line.close()
    }
}

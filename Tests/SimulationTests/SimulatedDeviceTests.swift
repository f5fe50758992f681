import Foundation
import HAL
import Lighting
import Simulation
import Testing
import Units

@Suite struct SimulatedRelayTests {
    @Test func countsSwitchesAndRefusesFastCycling() async throws {
        let clock = ManualClock(utcMidnight(2026, 1, 1))
        let relay = SimulatedRelay(name: "relay-c1", minimumSwitchInterval: 60, clock: clock.source)
        try await relay.switchOn()
        try await relay.switchOn()  // no change, no count
        #expect(await relay.switchCount == 1)
        clock.advance(by: 30)
        let error = await #expect(throws: HALError.self) { try await relay.switchOff() }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.description
                == "device \"relay-c1\" (simulated): invalid argument: switching off 30 s after the last change; the minimum interval is 60 s")
        #expect(try await relay.state == true)
        clock.advance(by: 30)
        try await relay.switchOff()
        clock.advance(by: 60)
        try await relay.switchOn()
        #expect(await relay.switchCount == 3)
        #expect(await relay.cycleCount == 2)
        #expect(try await relay.state == true)
    }

    @Test func haltReleasesAndRefusesCommands() async throws {
        let clock = ManualClock(utcMidnight(2026, 1, 1))
        let relay = SimulatedRelay(name: "relay-c2", initialState: true, releasedState: false,
                                   minimumSwitchInterval: 600, clock: clock.source)
        try await relay.halt()  // ignores the minimum interval: safety first
        #expect(try await relay.state == false)
        let error = await #expect(throws: HALError.self) { try await relay.switchOn() }
        #expect(error?.kind == .halted)
        await relay.resume()
        clock.advance(by: 600)
        try await relay.switchOn()
        #expect(try await relay.state == true)
    }
}

@Suite struct SimulatedDimmerTests {
    @Test func holdsTheLevelAndHaltsToFull() async throws {
        let dimmer = SimulatedDimmer(name: "dimmer-c1")
        try await dimmer.set(level: DimLevel(percent: 42.5)!)
        #expect(try await dimmer.level == DimLevel(percent: 42.5)!)
        try await dimmer.turnOff()
        #expect(await dimmer.changeCount == 2)
        try await dimmer.halt()
        #expect(try await dimmer.level == .full)
        let error = await #expect(throws: HALError.self) { try await dimmer.set(level: .off) }
        #expect(error?.kind == .halted)
    }
}

@Suite struct SimulatedEnergyMeterTests {
    @Test func integrationIsExactForConstantPower() async throws {
        let clock = ManualClock(utcMidnight(2026, 1, 1))
        let meter = SimulatedEnergyMeter(name: "meter", initialPower: Watts(100), clock: clock.source)
        clock.advance(by: 3600)
        #expect(try await meter.readImportEnergy() == Energy(wattHours: 100))
        clock.advance(by: 86_400 * 365)
        #expect(try await meter.readImportEnergy() == Energy(wattHours: 100 + 100 * 24 * 365))
        #expect(try await meter.readPower() == Watts(100))
    }

    @Test func integratesLuminaireLevels() async throws {
        let clock = ManualClock(utcMidnight(2026, 1, 1))
        let luminaire = LuminaireModel(ratedPower: Watts(50), standbyPower: Watts(0.5), curve: .linear)
        let meter = SimulatedEnergyMeter(name: "meter", luminaires: Array(repeating: luminaire, count: 10),
                                         initialRegister: Energy(wattHours: 1_000), clock: clock.source)
        await meter.update(level: DimLevel(percent: 50)!)  // 10 × (25 + 0.5) = 255 W
        clock.advance(by: 7200)
        await meter.update(level: .off, energised: false)  // contactor open: 0 W
        clock.advance(by: 3600)
        #expect(try await meter.readImportEnergy() == Energy(wattHours: 1_000 + 510))
        await meter.update(level: .off)  // energised, lamps off: standby only, 10 × 0.5 W
        clock.advance(by: 360)
        #expect(try await meter.readImportEnergy() == Energy(milliwattHours: 1_510_000 + 500))
        #expect(try await meter.readPower() == Watts(5))
    }
}

@Suite struct SimulatedPVInverterTests {
    @Test func registerFollowsThePlantHoweverItIsPolled() async throws {
        let plant = PVPlant(array: PVArray(peakPowerKW: 2, tilt: 35, azimuth: 180)!, location: montdidier,
                            weather: WeatherModel(seed: 9))
        let start = utcMidnight(2026, 6, 1)
        let clock = ManualClock(start)
        let inverter = SimulatedPVInverter(name: "pv", plant: plant, clock: clock.source)
        var last = Energy.zero
        for _ in 0..<(24 * 4) {
            clock.advance(by: 900 + 7)  // polls off the 5-minute grid
            let reading = try await inverter.readProducedEnergy()
            #expect(reading >= last)
            last = reading
        }
        let expected = plant.energy(from: start, to: clock.now)
        #expect(abs(last.milliwattHours - expected.milliwattHours) <= 2)
        #expect(last > Energy(wattHours: 2_000))
    }
}

@Suite struct SimulatedPresenceSensorTests {
    @Test func pollingDoesNotChangeTheDetections() async throws {
        let model = PresenceModel(peakDetectionsPerHour: 30)
        let start = utcMidnight(2026, 10, 1)
        let paris = TimeZone(identifier: "Europe/Paris")!
        let rare = ManualClock(start), often = ManualClock(start)
        let a = SimulatedPresenceSensor(name: "pir", model: model, generator: SeededGenerator(seed: 1, stream: "pir"),
                                        timeZone: paris, clock: rare.source)
        let b = SimulatedPresenceSensor(name: "pir", model: model, generator: SeededGenerator(seed: 1, stream: "pir"),
                                        timeZone: paris, clock: often.source)
        rare.advance(by: 86_400)
        let all = try await a.readDetections()
        var collected: [Date] = []
        for _ in 0..<(24 * 60) {
            often.advance(by: 60)
            collected += try await b.readDetections()
        }
        #expect(all == collected)
        #expect(all.count > 100)
        #expect(try await a.readDetections().isEmpty)
        await a.inject(detectionAt: rare.now)
        #expect(try await a.readDetections() == [rare.now])
    }
}

@Suite struct FaultInjectionTests {
    @Test func faultedDevicesThrowAClearError() async throws {
        let clock = ManualClock(utcMidnight(2026, 1, 1))
        let relay = SimulatedRelay(name: "relay-c1", clock: clock.source)
        await relay.injectFault(.busFault, message: "CRC error on /dev/ttyUSB0")
        let error = await #expect(throws: HALError.self) { try await relay.switchOn() }
        #expect(error?.description == "device \"relay-c1\" (simulated): bus fault: CRC error on /dev/ttyUSB0")
        await #expect(throws: HALError.self) { try await relay.state }
        await relay.clearFault()
        try await relay.switchOn()

        let meter = SimulatedEnergyMeter(name: "meter-main", initialPower: Watts(10), clock: clock.source)
        await meter.injectFault(.timeout)
        let meterError = await #expect(throws: HALError.self) { try await meter.readImportEnergy() }
        #expect(meterError?.kind == .timeout)
        #expect(meterError?.description == "device \"meter-main\" (simulated): timeout: injected fault")
        clock.advance(by: 360)
        await meter.clearFault()
        #expect(try await meter.readImportEnergy() == Energy(wattHours: 1))  // kept counting

        let input = SimulatedDigitalInput(name: "door")
        await input.injectFault(.deviceFault)
        await #expect(throws: HALError.self) { try await input.read() }

        let dimmer = SimulatedDimmer(name: "dimmer")
        await dimmer.injectFault(.notFound)
        await #expect(throws: HALError.self) { try await dimmer.set(level: .full) }

        let sensor = SimulatedPresenceSensor(
            name: "pir", model: PresenceModel(peakDetectionsPerHour: 10), generator: SeededGenerator(seed: 1),
            timeZone: TimeZone(identifier: "UTC")!, clock: clock.source)
        await sensor.injectFault(.busy(consumer: "other"))
        await #expect(throws: HALError.self) { try await sensor.readDetections() }

        let inverter = SimulatedPVInverter(
            name: "pv", plant: PVPlant(array: PVArray(peakPowerKW: 1, tilt: 30, azimuth: 180)!,
                                       location: montdidier, weather: nil), clock: clock.source)
        await inverter.injectFault(.timeout, message: "inverter asleep")
        await #expect(throws: HALError.self) { try await inverter.readProducedEnergy() }
        await #expect(throws: HALError.self) { try await inverter.readPower() }
    }

    @Test func simulatedInputIsSettable() async throws {
        let input = SimulatedDigitalInput(name: "door")
        #expect(try await input.read() == false)
        await input.set(true)
        #expect(try await input.read() == true)
    }
}

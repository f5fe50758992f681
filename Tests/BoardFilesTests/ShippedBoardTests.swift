import BoardFiles
import Foundation
import HAL
import SourceFiles
import Testing
import Units

/// Every board in boards/ loads, clean, with what its file says.
@Suite struct ShippedBoardTests {
    static func board(_ name: String) throws -> Board {
        let loaded = BoardLoader.load(path: BoardText.boards.appendingPathComponent(name).path)
        #expect(loaded.diagnostics.items.isEmpty, "\(loaded.diagnostics)")
        return try #require(loaded.value)
    }

    @Test func everyBoardLoadsWithoutAFinding() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: BoardText.boards.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files == ["beaglebone-black.yaml", "gpio-sim.yaml", "modbus-tcp-cabinet.yaml", "revpi-connect.yaml",
                          "rpi-relay-hat-rs485.yaml", "simulated.yaml"], "a new board gets its own test below")
        for file in files {
            let loaded = BoardLoader.load(path: BoardText.boards.appendingPathComponent(file).path)
            #expect(loaded.diagnostics.items.isEmpty, "\(file): \(loaded.diagnostics)")
            #expect(loaded.value?.id == String(file.dropLast(5)))
        }
    }

    @Test func simulated() throws {
        let b = try Self.board("simulated.yaml")
        #expect(b.driver == .simulated)
        #expect(b.chips.isEmpty && b.buses.isEmpty && b.gateways.isEmpty)
        #expect(b.outputs.map(\.id) == ["out-1", "out-2", "out-3"])
        #expect(b.outputs.allSatisfy { $0.kind == .dimmer && $0.minimumCycleSeconds == 60 && $0.attachment == .none && $0.reducedLevel == nil })
        #expect(b.outputs.map(\.safeState) == [.astronomical, .astronomical, .photocell])
        #expect(b.inputs.map(\.kind) == [.photocell, .presence, .presence, .presence, .presence, .door])
        #expect(b.meters.map(\.id) == ["meter-1"] && b.meters[0].model == .simulated && b.meters[0].attachment == .none)
        #expect(b.inverters.map(\.id) == ["inverter-1"] && b.inverters[0].model == .simulated)
        #expect(b.description?.hasPrefix("Simulated controller") == true)
    }

    @Test func gpioSim() throws {
        let b = try Self.board("gpio-sim.yaml")
        #expect(b.driver == .hardware)
        #expect(b.chips.map(\.id) == ["sim"] && b.chips[0].chip == "lanterne-sim")
        #expect(b.output("relay-1")?.attachment == .gpio(Board.GPIOLine(chip: "sim", line: .name("relay-1"))))
        #expect(b.output("relay-2")?.attachment == .gpio(Board.GPIOLine(chip: "sim", line: .name("relay-2"), activeLow: true)))
        #expect(b.output("relay-2")?.safeState == .on)
        #expect(b.output("relay-3")?.safeState == .photocell && b.output("relay-3")?.minimumCycleSeconds == 60)
        #expect(b.output("step-1")?.kind == .step && b.output("step-1")?.reducedLevel == DimLevel(percent: 50))
        #expect(b.input("photocell")?.attachment == .gpio(Board.GPIOLine(chip: "sim", line: .name("photocell"), debounceMilliseconds: 50)))
        #expect(b.input("door")?.attachment == .gpio(Board.GPIOLine(chip: "sim", line: .name("door"), activeLow: true)))
        #expect(b.input("pir-2")?.attachment == .gpio(Board.GPIOLine(chip: "sim", line: .name("pir-2"), debounceMilliseconds: 20)))
        #expect(b.inputs.filter { $0.kind == .presence }.map(\.id) == ["pir-1", "pir-2"])
        #expect(b.meters.isEmpty && b.inverters.isEmpty)
    }

    @Test func raspberryPiRelayHat() throws {
        let b = try Self.board("rpi-relay-hat-rs485.yaml")
        #expect(b.bus("rs485")?.link == .rtu(device: "/dev/ttyAMA0", baud: 9600, parity: "N", dataBits: 8, stopBits: 1, rs485: false))
        #expect(b.bus("rs485")?.timeoutMilliseconds == 300 && b.bus("rs485")?.retries == 2)
        let dali = try #require(b.gateway("dali"))
        #expect(dali.bus == "rs485" && dali.unit == 2 && dali.channels == 4)
        #expect(dali.levelRegister == 0 && dali.levelStride == 1 && dali.fullScale == 254)
        #expect(dali.switching == .coil(address: 0) && dali.statusRegister == 100)
        #expect(b.output("k1")?.attachment == .gpio(Board.GPIOLine(chip: "header", line: .name("GPIO26"), activeLow: true)))
        #expect(b.output("k2-step")?.reducedLevel == DimLevel(percent: 60))
        #expect(b.output("dali-2")?.attachment == .gatewayChannel(gateway: "dali", channel: 1))
        #expect(b.output("dali-2")?.safeState == .photocell)
        #expect(b.input("photocell")?.attachment == .gpio(Board.GPIOLine(chip: "header", line: .name("GPIO17"), activeLow: true,
                                                                          debounceMilliseconds: 200, bias: .pullUp)))
        #expect(b.meters.map(\.id) == ["meter-main"] && b.meters[0].model == .sdm630 && b.meters[0].attachment == .modbus(bus: "rs485", unit: 1))
    }

    @Test func revolutionPiConnect() throws {
        let b = try Self.board("revpi-connect.yaml")
        #expect(b.chips.isEmpty)
        #expect(b.bus("rs485")?.link == .rtu(device: "/dev/ttyRS485", baud: 19_200, parity: "E", dataBits: 8, stopBits: 1, rs485: true))
        #expect(b.bus("rs485")?.timeoutMilliseconds == 250)
        let dim = try #require(b.gateway("dim"))
        #expect(dim.fullScale == 1000 && dim.switching == .register(address: 10, on: 1, off: 0) && dim.statusRegister == 20)
        #expect(b.output("k3")?.attachment == .coil(bus: "rs485", unit: 2, address: 2) && b.output("k3")?.safeState == .on)
        #expect(b.output("dim-2")?.attachment == .gatewayChannel(gateway: "dim", channel: 1))
        #expect(b.input("photocell")?.attachment == .discreteInput(bus: "rs485", unit: 2, address: 0, activeLow: false))
        #expect(b.input("door")?.attachment == .discreteInput(bus: "rs485", unit: 2, address: 1, activeLow: true))
    }

    @Test func beagleBoneBlack() throws {
        let b = try Self.board("beaglebone-black.yaml")
        #expect(b.chips.map { "\($0.id)=\($0.chip)" } == ["bank1=gpiochip1", "bank2=gpiochip2"])
        #expect(b.output("k1")?.attachment == .gpio(Board.GPIOLine(chip: "bank2", line: .offset(2))))
        #expect(b.output("k3-step")?.reducedLevel == DimLevel(percent: 50))
        #expect(b.input("photocell")?.attachment == .gpio(Board.GPIOLine(chip: "bank1", line: .offset(28), activeLow: true,
                                                                          debounceMilliseconds: 200)))
        #expect(b.meters.map(\.attachment) == [1, 2, 3].map { .modbus(bus: "uart4", unit: $0) })
        #expect(b.meters.allSatisfy { $0.model == .sdm120 })
        #expect(b.inverters.map(\.id) == ["pv"] && b.inverters[0].model == .sunspec && b.inverters[0].sunspecBase == nil)
        #expect(b.inverters[0].attachment == .modbus(bus: "uart4", unit: 10))
    }

    @Test func modbusTCPCabinet() throws {
        let b = try Self.board("modbus-tcp-cabinet.yaml")
        #expect(b.chips.isEmpty)
        #expect(b.buses.map(\.address) == ["192.168.10.20:502", "192.168.10.21:502", "192.168.10.22:502", "192.168.10.30:502"])
        #expect(b.bus("pv")?.timeoutMilliseconds == 1000 && b.bus("pv")?.retries == 1)
        #expect(b.gateway("dali")?.switching == Board.Gateway.Switching.none && b.gateway("dali")?.channels == 16)
        #expect(b.outputs.filter { if case .coil = $0.attachment { true } else { false } }.map(\.id) == ["k1", "k2", "k3", "k4"])
        #expect(b.output("k4")?.safeState == .photocell)
        #expect(b.input("surge")?.attachment == .discreteInput(bus: "io", unit: 1, address: 2, activeLow: true))
        #expect(b.inverters.first?.sunspecBase == 40_000 && b.inverters.first?.attachment == .modbus(bus: "pv", unit: 1))
    }
}

@testable import Modbus
import Testing
import Units

@Suite struct RegisterCodecTests {
    @Test func float32InBothWordOrders() {
        // 1000.5 = 0x447A2000 (libmodbus' unit-test.h uses 0x47F12000 = 123456.0).
        #expect(RegisterCodec.decode([0x47F1, 0x2000][...], as: .f32, order: .big) == .float(123_456))
        #expect(RegisterCodec.decode([0x2000, 0x47F1][...], as: .f32, order: .little) == .float(123_456))
        #expect(RegisterCodec.encode(123_456, as: .f32) == [0x47F1, 0x2000])
    }

    @Test func integersAndRanges() {
        #expect(RegisterCodec.decode([0xFFFF][...], as: .s16) == .signed(-1))
        #expect(RegisterCodec.decode([0xFFFF][...], as: .u16) == .unsigned(65_535))
        #expect(RegisterCodec.decode([0x00BC, 0x614E][...], as: .u32) == .unsigned(12_345_678))
        #expect(RegisterCodec.decode([0x614E, 0x00BC][...], as: .u32, order: .little) == .unsigned(12_345_678))
        #expect(RegisterCodec.decode([0xFFFF, 0xFFFE][...], as: .s32) == .signed(-2))
        #expect(RegisterCodec.encode(-2, as: .s32) == [0xFFFF, 0xFFFE])
        #expect(RegisterCodec.encode(70_000, as: .u16) == nil)
        #expect(RegisterCodec.encode(1.5, as: .u16) == nil)
        #expect(RegisterCodec.encode(-1, as: .u32) == nil)
    }

    @Test func adjacentReadsCoalesceButGapsStay() {
        let spans = EastronModel.sdm630.spans
        let reads = RequestPlan.coalesce(spans)
        // Voltages, currents and powers are one run (0-17), total power apart, then 70-75.
        #expect(reads == [.init(address: 0, count: 18), .init(address: 52, count: 2), .init(address: 70, count: 6)])
        #expect(RequestPlan.coalesce([.init(address: 0, count: 200)]) == [.init(address: 0, count: 125), .init(address: 125, count: 75)])
    }

    @Test func consecutiveWritesBecomeOneFrame() {
        let w = RequestPlan.writes((0..<64).map { ($0, UInt16($0)) } + [(100, 1), (3, 99)])
        #expect(w.count == 2)
        #expect(w[0].address == 0 && w[0].values.count == 64 && w[0].values[3] == 99)
        #expect(w[1] == .init(address: 100, values: [1]))
        #expect(RequestPlan.writes((0..<130).map { ($0, 0) }).map(\.values.count) == [123, 7])
    }

    @Test func gatewayMapEncodesLevelsAndSwitches() {
        let map = DimmingGatewayMap(channels: 4, levelAddress: 10, fullScale: 254, switching: .coil(address: 0), statusAddress: 100)
        #expect(map.encode(.full) == 254)
        #expect(map.encode(DimLevel(percent: 50)!) == 127)
        #expect(map.decode(127) == DimLevel(percent: 50)!)
        let c = map.commands(for: [(0, .full), (1, DimLevel(percent: 50)!), (3, .off)])
        #expect(c.registerWrites == [.init(address: 10, values: [254, 127]), .init(address: 13, values: [0])])
        #expect(c.coilWrites.map(\.address) == [0, 3])
        #expect(c.coilWrites[0].values == [true, true] && c.coilWrites[1].values == [false])
        let r = DimmingGatewayMap(channels: 2, levelAddress: 0, fullScale: 1000, switching: .register(address: 10, on: 1, off: 0))
        #expect(r.commands(for: [(0, DimLevel(percent: 12.3)!), (1, .off)]).registerWrites == [.init(address: 0, values: [123, 0]), .init(address: 10, values: [1, 0])])
    }

    @Test func sunspecScaleFactorsAndNotImplemented() {
        var image = RegisterImage(address: 0, registers: [103, 50] + Array(repeating: 0xFFFF, count: 50))
        image.store(address: 14, registers: [21_780, UInt16(bitPattern: -1)])          // W = 2178.0
        image.store(address: 24, registers: [0x00BC, 0x614E, 0])                         // WH = 12345678, SF 0
        image.store(address: 38, registers: [4])                                          // St = MPPT
        let r = SunSpec.InverterReading.decode(image, header: .init(id: 103, address: 0, length: 50))
        #expect(r?.power == Watts(2178.0))
        #expect(r?.energy == Energy(wattHours: 12_345_678))
        #expect(r?.state == 4)
        #expect(r?.current == nil)      // 0xFFFF: not implemented
        #expect(SunSpec.energy(123, -1) == Energy(milliwattHours: 12_300))
        #expect(SunSpec.energy(0, 0) == nil || SunSpec.acc32(RegisterImage(address: 0, registers: [0, 0]), 0) == nil)
    }
}

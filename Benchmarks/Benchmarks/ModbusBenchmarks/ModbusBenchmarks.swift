// Modbus speed goal of issue 4: at 9600 baud 8N1 over a byte-paced link, updating 64 gateway
// channels costs within 10 % of the wire time of the minimum frames.
//
// The minimum frames: one function-16 request carrying the 64 level registers (1 unit + 1
// function + 2 address + 2 count + 1 byte count + 128 data + 2 CRC = 137 bytes) and its
// 8-byte reply: 145 characters × 10 bits / 9600 baud = 151.04 ms on the wire.
// The link is tools/modbus-testbed/ptyrelay.py (bytes paced at 10 bits per character between
// two pseudo-terminals) and the device a pymodbus RTU server, which answers as soon as the
// request's last byte is in (a real device would first wait 3.5 characters, 3.6 ms).
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target ModbusBenchmarks
import Benchmark
import Foundation
import Modbus
import ModbusTestSupport
import Units

/// 145 characters of 10 bits at 9600 baud, in nanoseconds.
let wireNanoseconds = 145.0 * 10 / 9600 * 1e9

let benchmarks: @Sendable () -> Void = {
    Benchmark("Gateway.apply 64 channels, RTU 9600 8N1 paced",
              configuration: .init(metrics: [.wallClock, .custom("overhead vs wire time (%)", polarity: .prefersSmaller, useScalingFactor: false)],
                                   timeUnits: .milliseconds, warmupIterations: 2, scalingFactor: .one,
                                   maxDuration: .seconds(20), maxIterations: 60)) { benchmark in
        let relay = try PacedRelay(baud: 9600, bitsPerChar: 10)
        let peer = try ModbusPeer(rtu: relay.server, devices: ["2:gateway:64"])
        let line = ModbusLine(endpoint: .rtu(.init(device: relay.client, baud: 9600)),
                              options: .init(responseTimeout: .milliseconds(500), retries: 0))
        let gw = ModbusDimmingGateway(name: "dali", line: line, unit: 2,
                                      map: DimmingGatewayMap(channels: 64, levelAddress: 0, fullScale: 254))
        try await gw.apply((0..<64).map { ($0, .full) })     // opens the port
        var round = 0
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            round += 1
            let levels = (0..<64).map { (channel: $0, level: DimLevel(tenths: (round * 10 + $0 * 7) % 1001)!) }
            let t0 = DispatchTime.now().uptimeNanoseconds
            try await gw.apply(levels)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0)
            benchmark.measurement(.custom("overhead vs wire time (%)", polarity: .prefersSmaller, useScalingFactor: false),
                                  Int(((elapsed / wireNanoseconds) - 1) * 100))
        }
        benchmark.stopMeasurement()
        await line.close()
        _ = peer
    }
}

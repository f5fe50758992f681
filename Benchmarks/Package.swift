// swift-tools-version: 6.1
// Benchmarks for Lanterne (ordo-one/benchmark). A package of its own so that the main test
// build does not compile the benchmark harness. Run: `cd Benchmarks && swift package benchmark`.
import PackageDescription

let package = Package(
    name: "LanterneBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Lanterne", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "AstronomyBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Astronomy", package: "Lanterne"),
            ],
            path: "Benchmarks/AstronomyBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "ControlBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Cabinet", package: "Lanterne"),
                .product(name: "CabinetService", package: "Lanterne"),
                .product(name: "ControlAPI", package: "Lanterne"),
                .product(name: "Lighting", package: "Lanterne"),
                .product(name: "ModbusTestSupport", package: "Lanterne"),
                .product(name: "ProfileTrust", package: "Lanterne"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/ControlBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "LedgerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Units", package: "Lanterne"),
                .product(name: "Ledger", package: "Lanterne"),
            ],
            path: "Benchmarks/LedgerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "ModbusBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Units", package: "Lanterne"),
                .product(name: "Modbus", package: "Lanterne"),
                .product(name: "ModbusTestSupport", package: "Lanterne"),
            ],
            path: "Benchmarks/ModbusBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "SimulationBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Astronomy", package: "Lanterne"),
                .product(name: "Cabinet", package: "Lanterne"),
                .product(name: "Ledger", package: "Lanterne"),
                .product(name: "Simulation", package: "Lanterne"),
            ],
            path: "Benchmarks/SimulationBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)

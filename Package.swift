// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

// One module per concern; docs/ARCHITECTURE.md draws the graph. Each target lists exactly the
// modules its files import (tools: ../shared/tools/check-manifest.py).
let package = Package(
    name: "Lanterne",
    // Linux is the target (libgpiod, glibc's ntp_adjtime). The macOS line is the floor of the
    // APIs the portable modules use: Synchronization's Mutex needs macOS 15.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lanterne", targets: ["lanterne"]),
        .library(name: "Units", targets: ["Units"]),
        .library(name: "SourceFiles", targets: ["SourceFiles"]),
        .library(name: "Astronomy", targets: ["Astronomy"]),
        .library(name: "Lighting", targets: ["Lighting"]),
        .library(name: "HAL", targets: ["HAL"]),
        .library(name: "BoardFiles", targets: ["BoardFiles"]),
        .library(name: "GPIO", targets: ["GPIO"]),
        .library(name: "Modbus", targets: ["Modbus"]),
        .library(name: "Savings", targets: ["Savings"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "Report", targets: ["Report"]),
        .library(name: "Cabinet", targets: ["Cabinet"]),
        .library(name: "Recording", targets: ["Recording"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "Controller", targets: ["Controller"]),
        .library(name: "CabinetService", targets: ["CabinetService"]),
        .library(name: "ControlAPI", targets: ["ControlAPI"]),
        .library(name: "ProfileTrust", targets: ["ProfileTrust"]),
        // The Modbus test bed's processes (pymodbus peers, the paced PTY relay), for tests and benchmarks.
        .library(name: "ModbusTestSupport", targets: ["ModbusTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Pure foundations.
        .target(name: "Units", dependencies: ["Astronomy"], swiftSettings: strict),
        .target(name: "Astronomy", swiftSettings: strict),
        .target(name: "SourceFiles", dependencies: ["Units", "Astronomy", .product(name: "Yams", package: "Yams")], swiftSettings: strict),
        .target(name: "Lighting", dependencies: ["Units", "Astronomy", "SourceFiles"], swiftSettings: strict),

        // Hardware: the interface, the board files, the drivers.
        .target(name: "HAL", dependencies: ["Units"], swiftSettings: strict),
        .target(name: "BoardFiles", dependencies: ["Units", "HAL", "SourceFiles"], swiftSettings: strict),
        .systemLibrary(name: "CModbus", pkgConfig: "libmodbus", providers: [.apt(["libmodbus-dev"])]),
        .systemLibrary(name: "CGPIOD", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
        // glibc's ntp_adjtime(3): the kernel's clock synchronisation state, for the controller's clock trust.
        .systemLibrary(name: "CTimex"),
        .target(name: "Modbus", dependencies: ["Units", "HAL", "CModbus"], swiftSettings: strict),
        .target(name: "GPIO", dependencies: ["Units", "HAL", "CGPIOD"], swiftSettings: strict),

        // Energy accounting: the pure figures, the chained store, the auditor's report.
        .target(name: "Savings", dependencies: ["Units", "Astronomy", "Lighting"], swiftSettings: strict),
        .target(
            name: "Ledger",
            dependencies: [
                "Units", "Astronomy", "Lighting", "Savings",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(name: "Report", dependencies: ["Units", "Astronomy", "Lighting", "Savings", "Ledger"], swiftSettings: strict),

        // A cabinet: its file, the recorder of its intervals, the simulator and the controller.
        .target(name: "Cabinet", dependencies: ["Units", "Astronomy", "SourceFiles", "Lighting", "HAL", "BoardFiles", "Savings", "Ledger"], swiftSettings: strict),
        .target(
            name: "Recording",
            dependencies: ["Units", "SourceFiles", "Ledger", "Cabinet", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .target(
            name: "Simulation",
            dependencies: ["Units", "Astronomy", "SourceFiles", "Lighting", "HAL", "BoardFiles", "Cabinet", "Ledger", "Recording",
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .target(
            name: "Controller",
            dependencies: ["Units", "Astronomy", "Lighting", "HAL", "BoardFiles", "GPIO", "Modbus", "CTimex",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),

        // Signed profiles: detached Ed25519 signatures, key pairs, the keys a controller trusts.
        .target(name: "ProfileTrust", dependencies: ["Ledger", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),

        // The control API's messages and its client (the technician's commands).
        .target(
            name: "ControlAPI",
            dependencies: ["Controller",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: strict),

        // lanterne run's services: the energy sampler (registers → the ledger's intervals).
        .target(
            name: "CabinetService",
            dependencies: ["Units", "Lighting", "HAL", "BoardFiles", "Modbus", "Ledger", "Cabinet", "Recording", "Controller",
                           "ControlAPI", "SourceFiles", "ProfileTrust", "Simulation",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "CoreMetrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTLS", package: "hummingbird"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .executableTarget(
            name: "lanterne",
            dependencies: [
                "Units", "Astronomy", "SourceFiles", "Lighting", "HAL", "BoardFiles", "Modbus", "Savings", "Ledger",
                "Report", "Cabinet", "Recording", "Simulation", "Controller", "CabinetService", "ControlAPI", "ProfileTrust",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Runs inside the QEMU guest of the GPIO test bed (tools/gpio-sim/test.sh).
        .executableTarget(
            name: "gpio-sim-check",
            dependencies: ["Units", "Astronomy", "Lighting", "HAL", "BoardFiles", "GPIO", "Controller",
                           .product(name: "Logging", package: "swift-log")],
            path: "tools/gpio-sim/check",
            exclude: ["testbed-profile.yaml"],
            swiftSettings: strict),

        .target(name: "ModbusTestSupport", path: "Tests/ModbusTestSupport", swiftSettings: strict),
        .testTarget(name: "UnitsTests", dependencies: ["Units"], swiftSettings: strict),
        .testTarget(name: "AstronomyTests", dependencies: ["Astronomy"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "LightingTests", dependencies: ["Lighting", "Units", "SourceFiles", "Astronomy"], swiftSettings: strict),
        .testTarget(name: "HALTests", dependencies: ["HAL"], swiftSettings: strict),
        .testTarget(name: "BoardFilesTests", dependencies: ["BoardFiles", "HAL", "Units", "SourceFiles"], swiftSettings: strict),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Cabinet", "HAL", "Units", "Lighting", "Astronomy"], swiftSettings: strict),
        .testTarget(name: "ModbusTests", dependencies: ["Modbus", "HAL", "Units", "ModbusTestSupport"], swiftSettings: strict),
        .testTarget(name: "GPIOTests", dependencies: ["GPIO", "HAL", "Units", "CGPIOD"], swiftSettings: strict),
        .testTarget(
            name: "ControllerTests",
            dependencies: ["Controller", "Simulation", "Modbus", "HAL", "BoardFiles", "Units", "Lighting", "Astronomy", "ModbusTestSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(name: "SavingsTests", dependencies: ["Savings", "Units", "Lighting", "Astronomy"], swiftSettings: strict),
        .testTarget(name: "RecordingTests", dependencies: ["Recording"], swiftSettings: strict),
        .testTarget(
            name: "CabinetServiceTests",
            dependencies: ["CabinetService", "Controller", "Cabinet", "Astronomy", "BoardFiles", "HAL", "Lighting", "Ledger", "Recording", "Units",
                           "ModbusTestSupport", "ControlAPI", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "LedgerTests",
            dependencies: ["Ledger", "Savings", "Units", "Lighting", "Astronomy", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .testTarget(
            name: "ReportTests", dependencies: ["Report", "Savings", "Ledger", "Units", "Astronomy", "Lighting", "Cabinet", "Simulation"],
            exclude: ["Golden"],    // read through #filePath, rewritten by LANTERNE_UPDATE_GOLDEN=1
            swiftSettings: strict),
        .testTarget(
            name: "CabinetTests",
            dependencies: ["Cabinet", "Recording", "Simulation", "SourceFiles", "Lighting", "HAL", "Units", "Astronomy", "Savings", "Ledger",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .testTarget(name: "LanterneCLITests", dependencies: ["lanterne", "Ledger", "ModbusTestSupport", "ControlAPI", "ProfileTrust"], swiftSettings: strict),
    ]
)

// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "Lanterne",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lanterne", targets: ["lanterne"]),
        .library(name: "Astronomy", targets: ["Astronomy"]),
        .library(name: "Lighting", targets: ["Lighting"]),
        .library(name: "HAL", targets: ["HAL"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "Cabinet", targets: ["Cabinet"]),
        .library(name: "GPIO", targets: ["GPIO"]),
        .library(name: "Modbus", targets: ["Modbus"]),
        .library(name: "Runtime", targets: ["Runtime"]),
        // The Modbus test bed's processes (pymodbus peers, the paced PTY relay), for tests and benchmarks.
        .library(name: "ModbusTestSupport", targets: ["ModbusTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
    ],
    targets: [
        .target(name: "Astronomy", swiftSettings: strict),
        .target(
            name: "Lighting",
            dependencies: ["Astronomy", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .target(name: "HAL", dependencies: ["Lighting", "Astronomy"], swiftSettings: strict),
        .systemLibrary(name: "CModbus", pkgConfig: "libmodbus", providers: [.apt(["libmodbus-dev"])]),
        .systemLibrary(name: "CGPIOD", pkgConfig: "libgpiod", providers: [.apt(["libgpiod-dev"])]),
        // glibc's ntp_adjtime(3): the kernel's clock synchronisation state, for the runtime's clock trust.
        .systemLibrary(name: "CTimex"),
        .target(name: "Modbus", dependencies: ["HAL", "Lighting", "CModbus"], swiftSettings: strict),
        .target(name: "GPIO", dependencies: ["HAL", "Lighting", "CGPIOD"], swiftSettings: strict),
        .target(name: "Runtime", dependencies: ["Astronomy", "Lighting", "HAL", "GPIO", "Modbus", "CTimex"], swiftSettings: strict),
        .target(
            name: "Ledger",
            dependencies: [
                "Lighting", "Astronomy",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(
            name: "Cabinet",
            dependencies: [
                "Astronomy", "Lighting", "HAL", "Ledger",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "lanterne",
            dependencies: [
                "Astronomy", "Lighting", "HAL", "Ledger", "Cabinet", "Modbus", "Runtime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        // Runs inside the QEMU guest of the GPIO test bed (tools/gpio-sim/test.sh).
        .executableTarget(
            name: "gpio-sim-check",
            dependencies: ["Astronomy", "Lighting", "HAL", "GPIO", "Runtime"],
            path: "tools/gpio-sim/check",
            exclude: ["testbed-profile.yaml"],
            swiftSettings: strict),
        .testTarget(name: "AstronomyTests", dependencies: ["Astronomy"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "LightingTests", dependencies: ["Lighting", "Astronomy"], swiftSettings: strict),
        .testTarget(name: "HALTests", dependencies: ["HAL", "Lighting", "Astronomy"], swiftSettings: strict),
        .target(name: "ModbusTestSupport", path: "Tests/ModbusTestSupport", swiftSettings: strict),
        .testTarget(name: "ModbusTests", dependencies: ["Modbus", "HAL", "Lighting", "ModbusTestSupport"], swiftSettings: strict),
        .testTarget(name: "GPIOTests", dependencies: ["GPIO", "HAL", "Lighting"], swiftSettings: strict),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime", "Modbus", "HAL", "Lighting", "Astronomy", "ModbusTestSupport"], swiftSettings: strict),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "Lighting", "Astronomy", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(name: "CabinetTests", dependencies: ["Cabinet", "Lighting", "HAL", "Astronomy", "Ledger", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")], swiftSettings: strict),
        .testTarget(name: "LanterneCLITests", dependencies: ["lanterne", "Ledger", "ModbusTestSupport"], swiftSettings: strict),
    ]
)

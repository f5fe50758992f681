// Throughput of the Astronomy module. Goal: at least 1 million `Sun.events` per second on one
// core in a release build (a cabinet recomputes a year of events for every profile change).
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target AstronomyBenchmarks
import Astronomy
import Benchmark
import Foundation

let benchmarks: @Sendable () -> Void = {
    let montdidier = GeoCoordinate(latitude: 49.648, longitude: 2.570)!
    let tromso = GeoCoordinate(latitude: 69.6496, longitude: 18.956)!
    let firstDay = CivilDate(year: 2026, month: 1, day: 1)!
    // A year of consecutive dates, so that every season (and the branches of the solver) is hit.
    let dates = (0..<365).map { firstDay.adding(days: $0) }
    // Samples of a million calls each; 5 s gives several samples per benchmark.

    Benchmark("Sun.events, one day",
              configuration: .init(metrics: [.throughput, .wallClock], scalingFactor: .mega, maxDuration: .seconds(5))) { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(Sun.events(on: dates[i % 365], at: montdidier, utcOffsetSeconds: 3600))
        }
    }

    Benchmark("Sun.events, one day at 69.6° N (polar night and midnight sun)",
              configuration: .init(metrics: [.throughput, .wallClock], scalingFactor: .mega, maxDuration: .seconds(5))) { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(Sun.events(on: dates[i % 365], at: tromso, utcOffsetSeconds: 3600))
        }
    }

    Benchmark("Sun.crossings, sunrise/sunset only",
              configuration: .init(metrics: [.throughput, .wallClock], scalingFactor: .mega, maxDuration: .seconds(5))) { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(Sun.crossings(of: SolarAltitude.sunriseSunset, on: dates[i % 365], at: montdidier,
                                    utcOffsetSeconds: 3600))
        }
    }

    Benchmark("Sun.position",
              configuration: .init(metrics: [.throughput, .wallClock], scalingFactor: .mega, maxDuration: .seconds(5))) { benchmark in
        let start = Sun.solarNoon(on: firstDay, at: montdidier, utcOffsetSeconds: 3600)
        for i in benchmark.scaledIterations {
            blackHole(Sun.position(at: start.addingTimeInterval(Double(i % 100_000) * 60), of: montdidier))
        }
    }
}

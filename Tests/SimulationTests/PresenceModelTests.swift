import Foundation
import HAL
import Simulation
import Testing

@Suite struct PresenceModelTests {
    /// Counts detections per local hour over many days and checks each hour against the curve.
    ///
    /// Counts in an hour are Poisson, so the standard deviation is √expected. Bounds of 5 σ
    /// fail by chance with probability ~6e-7 per hour, yet catch a 10 % rate error in the busy
    /// hours (expected 12,000, 5 σ = 4.6 %) and a 25 % one in the quiet hours (expected 600,
    /// 5 σ = 20 %), as well as a curve shifted by one hour.
    @Test func detectionsPerHourFollowTheCurve() {
        let model = PresenceModel(peakDetectionsPerHour: 60, curve: .residentialNight)
        let offset = 3600  // CET
        let days = 200
        var generator = SeededGenerator(seed: 11, stream: "presence-test")
        let start = utcMidnight(2026, 1, 5).addingTimeInterval(-Double(offset))  // local midnight
        let end = start.addingTimeInterval(Double(days) * 86_400)
        var counts = [Int](repeating: 0, count: 24)
        var t = start
        var total = 0
        while true {
            t = model.nextDetection(after: t, utcOffsetSeconds: offset, generator: &generator)
            if t >= end { break }
            let local = t.timeIntervalSince1970 + Double(offset)
            counts[Int(local.truncatingRemainder(dividingBy: 86_400) / 3600)] += 1
            total += 1
        }
        for hour in 0..<24 {
            let expected = 60 * model.curve[hour] * Double(days)
            let sigma = expected.squareRoot()
            #expect(abs(Double(counts[hour]) - expected) < 5 * sigma,
                    "hour \(hour): \(counts[hour]) detections, expected \(expected)")
        }
        let expectedTotal = model.expectedDetectionsPerDay * Double(days)
        #expect(abs(Double(total) - expectedTotal) < 5 * expectedTotal.squareRoot())
    }

    @Test func sameSeedSameDetections() {
        let model = PresenceModel(peakDetectionsPerHour: 20)
        func draw(_ seed: UInt64) -> [Date] {
            var g = SeededGenerator(seed: seed, stream: "s")
            var t = utcMidnight(2026, 3, 1)
            return (0..<50).map { _ in
                t = model.nextDetection(after: t, utcOffsetSeconds: 3600, generator: &g)
                return t
            }
        }
        let a = draw(5)
        #expect(a == draw(5))
        #expect(a != draw(6))
        #expect(zip(a, a.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func constantRateGivesExponentialGaps() {
        let model = PresenceModel(peakDetectionsPerHour: 3600, curve: .constant)  // 1 per second
        var g = SeededGenerator(seed: 99)
        let start = utcMidnight(2026, 1, 1)
        var t = start
        let count = 50_000
        for _ in 0..<count { t = model.nextDetection(after: t, utcOffsetSeconds: 0, generator: &g) }
        let meanGap = t.timeIntervalSince(start) / Double(count)
        // Mean of 50,000 Exp(1) gaps: standard error 0.0045 s; 5 sigma.
        #expect(abs(meanGap - 1) < 0.023)
    }

    @Test func zeroRateNeverFires() {
        var g = SeededGenerator(seed: 1)
        let silent = PresenceModel(peakDetectionsPerHour: 0)
        #expect(silent.nextDetection(after: utcMidnight(2026, 1, 1), utcOffsetSeconds: 0, generator: &g)
                == .distantFuture)
        let rare = PresenceModel(peakDetectionsPerHour: 1e-4)  // about one detection in 1,000 days
        let next = rare.nextDetection(after: utcMidnight(2026, 1, 1), utcOffsetSeconds: 0, generator: &g)
        #expect(next > utcMidnight(2026, 1, 1))
        #expect(next < .distantFuture)
    }

    @Test func curveValidation() {
        #expect(TrafficCurve(values: [1, 2]) == nil)
        #expect(TrafficCurve(values: Array(repeating: 1.5, count: 24)) == nil)
        #expect(TrafficCurve(values: Array(repeating: 0.5, count: 24)) != nil)
        let night = TrafficCurve.residentialNight
        #expect((17...20).allSatisfy { night[$0] >= 0.9 })
        #expect((2...4).allSatisfy { night[$0] <= 0.06 })
        #expect(night[6] > night[5] && night[5] > night[4])
    }
}

import HAL
import Simulation
import Testing

@Suite struct SeededGeneratorTests {
    /// Reference values from Vigna's C code (splitmix64.c seeding xoshiro256starstar.c), so the
    /// sequence is pinned across platforms and refactorings.
    @Test func firstValuesMatchTheReferenceImplementation() {
        var zero = SeededGenerator(seed: 0)
        #expect((0..<4).map { _ in zero.next() }
                == [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0, 0x6AA5_94F1_262D_2D2C])
        var answer = SeededGenerator(seed: 42)
        #expect((0..<4).map { _ in answer.next() }
                == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1, 0xECB8_AD47_03B3_60A1])
    }

    @Test func sameSeedSameSequenceAndDifferentSeedsDiffer() {
        var a = SeededGenerator(seed: 2026), b = SeededGenerator(seed: 2026), c = SeededGenerator(seed: 2027)
        let xs = (0..<1000).map { _ in a.next() }
        #expect(xs == (0..<1000).map { _ in b.next() })
        #expect(xs != (0..<1000).map { _ in c.next() })
    }

    @Test func streamsAreReproducibleAndDistinct() {
        var s1 = SeededGenerator(seed: 7, stream: 1), s1b = SeededGenerator(seed: 7, stream: 1)
        var s2 = SeededGenerator(seed: 7, stream: 2), base = SeededGenerator(seed: 7)
        let first = (0..<16).map { _ in s1.next() }
        #expect(first == (0..<16).map { _ in s1b.next() })
        #expect(first != (0..<16).map { _ in s2.next() })
        #expect(first != (0..<16).map { _ in base.next() })

        var named = SeededGenerator(seed: 7, stream: "sensor-12")
        var namedAgain = SeededGenerator(seed: 7, stream: "sensor-12")
        var other = SeededGenerator(seed: 7, stream: "sensor-13")
        let n = named.next()
        #expect(n == namedAgain.next())
        #expect(n != other.next())
    }

    @Test func unitDoublesAreInRangeWithTheRightMean() {
        var g = SeededGenerator(seed: 1)
        var sum = 0.0
        var expSum = 0.0
        let count = 100_000
        for _ in 0..<count {
            let u = g.nextUnitDouble()
            #expect(u >= 0 && u < 1)
            sum += u
            expSum += g.nextExponential()
        }
        // Means of U(0,1) and Exp(1): standard errors 0.0009 and 0.0032; bounds are 5 sigma.
        #expect(abs(sum / Double(count) - 0.5) < 0.0046)
        #expect(abs(expSum / Double(count) - 1) < 0.016)
    }

    @Test func worksWithTheStandardLibrary() {
        var g = SeededGenerator(seed: 3), h = SeededGenerator(seed: 3)
        #expect(Int.random(in: 0..<1000, using: &g) == Int.random(in: 0..<1000, using: &h))
        #expect([1, 2, 3, 4, 5].shuffled(using: &g) == [1, 2, 3, 4, 5].shuffled(using: &h))
    }
}

import Foundation

/// A reproducible pseudo-random number generator: xoshiro256** (Blackman and Vigna, 2018,
/// https://prng.di.unimi.it/xoshiro256starstar.c), seeded through SplitMix64 as its authors
/// recommend.
///
/// Only integer operations with defined wrap-around are used, so a seed gives the same sequence
/// on every platform and every Swift version (unlike `SystemRandomNumberGenerator`, which
/// cannot be seeded, and `Hasher`, which is salted per process).
///
/// Independent streams: `SeededGenerator(seed: s, stream: k)` gives each sensor, each day or
/// each purpose its own sequence without having to draw the others first. Streams are derived
/// by hashing `(seed, stream)` through SplitMix64; two different pairs collide with
/// probability about 2⁻⁶⁴.
///
/// Not for cryptography.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// The generator for `seed`: its state is four consecutive SplitMix64 outputs from `seed`.
    public init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }  // unreachable in practice
    }

    /// An independent stream `stream` of the generator family `seed`.
    public init(seed: UInt64, stream: UInt64) {
        var first = SplitMix64(state: seed)
        let base = first.next()
        self.init(seed: base ^ SplitMix64.mix(stream &+ 0x6A09_E667_F3BC_C909))
    }

    /// An independent stream named by a string (`"photocell"`, `"sensor-12"`). The name is
    /// hashed with 64-bit FNV-1a over its UTF-8 bytes, which is stable across platforms.
    public init(seed: UInt64, stream name: String) {
        self.init(seed: seed, stream: SeededGenerator.fnv1a(name))
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A uniform double in `0 ..< 1` with 53 random bits (the top bits of ``next()``).
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in `lower ..< upper`.
    public mutating func nextDouble(in range: Range<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnitDouble()
    }

    /// An exponential variate with mean 1 (`-ln(1 - U)`), always finite and non-negative.
    ///
    /// Uses the platform's `log`, which may differ in the last bit between C libraries; the
    /// integer sequence underneath does not.
    public mutating func nextExponential() -> Double {
        -log1p(-nextUnitDouble())
    }

    /// 64-bit FNV-1a of the UTF-8 bytes of `text`.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64 (Steele, Lea and Flood, 2014), used to expand a 64-bit seed into generator state.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output function: a bijective 64-bit mixer.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

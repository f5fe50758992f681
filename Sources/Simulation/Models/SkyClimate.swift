/// The statistics a ``WeatherModel`` draws its days from: for each calendar month, the
/// probability of a clear, partly cloudy or overcast day, and for each ``SkyState`` how much of
/// the clear-sky beam and diffuse light reaches the panels and how much that wanders within the
/// day.
public struct SkyClimate: Sendable, Hashable {
    /// The day-state probabilities of one month.
    public struct Month: Sendable, Hashable {
        /// Probability of a clear day, 0 ... 1.
        public var clear: Double
        /// Probability of a partly cloudy day, 0 ... 1.
        public var partlyCloudy: Double
        /// Probability of an overcast day: the rest, `1 - clear - partlyCloudy`.
        public var overcast: Double { max(0, 1 - clear - partlyCloudy) }

        /// Returns `nil` unless both probabilities are finite, non-negative and sum to at most 1.
        public init?(clear: Double, partlyCloudy: Double) {
            guard clear.isFinite, partlyCloudy.isFinite, clear >= 0, partlyCloudy >= 0,
                  clear + partlyCloudy <= 1 + 1e-12 else { return nil }
            self.clear = clear
            self.partlyCloudy = partlyCloudy
        }
    }

    /// How one sky state changes the clear-sky irradiance: the share of the direct beam that
    /// gets through, the factor on the diffuse sky light (clouds scatter part of the beam into
    /// diffuse light, so it can exceed 1), and how much both wander within the day.
    ///
    /// Beam and diffuse are separate because a single factor on the plane-of-array irradiance
    /// would keep the clear-sky gain of tilted panels under clouds (about +26 % at 35° in
    /// Picardy), where in reality diffuse light dominates and the gain is roughly +10-15 %
    /// (PVGIS: about 1,050 kWh/kWp at optimum tilt against 900-950 horizontal).
    public struct Attenuation: Sendable, Hashable {
        /// Mean share of the clear-sky direct normal irradiance that gets through, 0 ... 1.
        public var beam: Double
        /// Mean factor on the clear-sky diffuse irradiance, 0 ... 5.
        public var diffuse: Double
        /// Relative amplitude of the slow within-day wander of cloud thickness (a sine of
        /// 3-6 h period with a random phase per day), 0 ... 1: both factors × (1 ± wander),
        /// the beam share capped at 1.
        public var wander: Double

        /// Returns `nil` unless the values are finite and within their ranges.
        public init?(beam: Double, diffuse: Double, wander: Double) {
            guard beam.isFinite, diffuse.isFinite, wander.isFinite, (0...1).contains(beam),
                  (0...5).contains(diffuse), (0...1).contains(wander) else { return nil }
            self.beam = beam
            self.diffuse = diffuse
            self.wander = wander
        }
    }

    /// Twelve months, January first.
    public let months: [Month]
    /// Attenuation of a clear day.
    public var clear: Attenuation
    /// Attenuation of a partly cloudy day.
    public var partlyCloudy: Attenuation
    /// Attenuation of an overcast day.
    public var overcast: Attenuation

    /// Returns `nil` unless `months` has exactly 12 entries.
    public init?(months: [Month], clear: Attenuation, partlyCloudy: Attenuation,
                 overcast: Attenuation) {
        guard months.count == 12 else { return nil }
        self.months = months
        self.clear = clear
        self.partlyCloudy = partlyCloudy
        self.overcast = overcast
    }

    /// The attenuation of `state`.
    public func attenuation(_ state: SkyState) -> Attenuation {
        switch state {
        case .clear: return clear
        case .partlyCloudy: return partlyCloudy
        case .overcast: return overcast
        }
    }

    /// A temperate oceanic climate like Picardy (Köppen Cfb; Amiens, Montdidier).
    ///
    /// Month probabilities follow the monthly relative sunshine duration of Amiens-Glisy
    /// (Météo-France normals, figures not re-checked against the station record: about
    /// 1,650-1,700 h of sunshine a year, from about 25 % of the possible hours in
    /// December-January to about 45 % in June-August), reading a clear day as ~90 % sunny, a
    /// partly cloudy one as ~45 % and an overcast one as ~2 %. The beam and diffuse factors
    /// were then calibrated (docs/SIMULATION-MODELS.md) so that a south-facing array tilted 35°
    /// at Montdidier yields about 1,050 kWh/kWp a year at a performance ratio of 0.80, the
    /// PVGIS figure for northern France at optimum tilt.
    public static let picardy = SkyClimate(
        months: [
            Month(clear: 0.10, partlyCloudy: 0.35)!,  // Jan
            Month(clear: 0.13, partlyCloudy: 0.37)!,  // Feb
            Month(clear: 0.17, partlyCloudy: 0.40)!,  // Mar
            Month(clear: 0.22, partlyCloudy: 0.43)!,  // Apr
            Month(clear: 0.23, partlyCloudy: 0.45)!,  // May
            Month(clear: 0.25, partlyCloudy: 0.45)!,  // Jun
            Month(clear: 0.27, partlyCloudy: 0.45)!,  // Jul
            Month(clear: 0.27, partlyCloudy: 0.45)!,  // Aug
            Month(clear: 0.24, partlyCloudy: 0.44)!,  // Sep
            Month(clear: 0.16, partlyCloudy: 0.40)!,  // Oct
            Month(clear: 0.10, partlyCloudy: 0.35)!,  // Nov
            Month(clear: 0.08, partlyCloudy: 0.32)!,  // Dec
        ],
        clear: Attenuation(beam: 0.95, diffuse: 1.0, wander: 0.03)!,
        partlyCloudy: Attenuation(beam: 0.55, diffuse: 2.4, wander: 0.35)!,
        overcast: Attenuation(beam: 0.02, diffuse: 1.8, wander: 0.25)!)!
}

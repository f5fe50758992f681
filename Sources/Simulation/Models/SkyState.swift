/// The character of one day's sky, as the weather model draws it.
public enum SkyState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Mostly sunny: direct sun nearly all day.
    case clear
    /// Sun and clouds alternating.
    case partlyCloudy
    /// Low, continuous cloud: diffuse light only.
    case overcast
}

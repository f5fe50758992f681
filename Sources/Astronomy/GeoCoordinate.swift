/// A place on the WGS 84 ellipsoid, in decimal degrees.
public struct GeoCoordinate: Sendable, Hashable, Codable {
    /// Latitude in degrees, north positive, -90 ... 90.
    public var latitude: Double
    /// Longitude in degrees, east positive, -180 ... 180.
    public var longitude: Double

    /// Creates a coordinate; returns `nil` when latitude or longitude is out of range or not finite.
    public init?(latitude: Double, longitude: Double) {
        guard latitude.isFinite, longitude.isFinite,
              (-90...90).contains(latitude), (-180...180).contains(longitude) else { return nil }
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// Builds SVG markup as text. Attribute values and text are escaped; coordinates are
/// printed with at most one decimal and never as NaN or infinity.
struct SVGWriter {
    /// The markup written so far.
    private(set) var markup = ""

    /// A coordinate or length as text: one decimal at most, "0" when not finite.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int64(rounded)) }
        return String(rounded)
    }

    /// Appends raw, already valid markup.
    mutating func raw(_ text: String) { markup += text }

    /// Opens an element; `attributes` are (name, value) pairs, values escaped here.
    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        markup += "<" + name + SVGWriter.attributes(attributes) + ">"
    }

    /// Closes an element.
    mutating func close(_ name: String) { markup += "</" + name + ">" }

    /// Writes an empty element, or one with a `<title>` tooltip child when `tooltip` is given.
    mutating func element(_ name: String, _ attributes: [(String, String)], tooltip: String? = nil) {
        if let tooltip {
            open(name, attributes)
            markup += "<title>" + HTMLEscaping.escape(tooltip) + "</title>"
            close(name)
        } else {
            markup += "<" + name + SVGWriter.attributes(attributes) + "/>"
        }
    }

    /// Writes a `<text>` element at (`x`, `y`).
    mutating func text(_ content: String, x: Double, y: Double, cssClass: String,
                       anchor: String = "start", extra: [(String, String)] = []) {
        var attributes: [(String, String)] = [("x", SVGWriter.number(x)), ("y", SVGWriter.number(y)),
                                              ("class", cssClass)]
        if anchor != "start" { attributes.append(("text-anchor", anchor)) }
        attributes += extra
        open("text", attributes)
        markup += HTMLEscaping.escape(content)
        close("text")
    }

    /// Writes a straight line.
    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, cssClass: String) {
        element("line", [("x1", SVGWriter.number(x1)), ("y1", SVGWriter.number(y1)),
                         ("x2", SVGWriter.number(x2)), ("y2", SVGWriter.number(y2)),
                         ("class", cssClass)])
    }

    /// A path's `d` attribute through `points`, closed when asked.
    static func path(_ points: [(x: Double, y: Double)], closed: Bool = false) -> String {
        var d = ""
        for (index, point) in points.enumerated() {
            d += (index == 0 ? "M" : " L") + number(point.x) + " " + number(point.y)
        }
        return closed && !d.isEmpty ? d + " Z" : d
    }

    /// ` name="value"` pairs, values escaped.
    static func attributes(_ pairs: [(String, String)]) -> String {
        pairs.map { " " + $0.0 + "=\"" + HTMLEscaping.escape($0.1) + "\"" }.joined()
    }
}

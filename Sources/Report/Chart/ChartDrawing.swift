/// Draws a `ChartSpec` as an inline SVG element (no external references, no script).
///
/// Layout, top to bottom: the title, the legend (wrapping when needed), the value-axis unit,
/// the plot with its grid, and the horizontal axis labels. Text widths are estimated from
/// character counts, generously, since the page uses the reader's system font.
enum ChartDrawing {
    /// Estimated width of one character at the chart's 12 px label size.
    static let characterWidth = 6.9
    /// Outer padding of the drawing.
    static let padding = 14.0

    /// The SVG markup of `spec`.
    static func svg(_ spec: ChartSpec) -> String {
        var writer = SVGWriter()
        let titleID = spec.id + "-title", descID = spec.id + "-desc"
        writer.open("svg", [("viewBox", "0 0 \(SVGWriter.number(spec.width)) \(SVGWriter.number(spec.height))"),
                            ("class", "chart"), ("role", "img"),
                            ("aria-labelledby", titleID + " " + descID),
                            ("preserveAspectRatio", "xMidYMid meet")])
        writer.open("title", [("id", titleID)])
        writer.raw(HTMLEscaping.escape(spec.title))
        writer.close("title")
        writer.open("desc", [("id", descID)])
        writer.raw(HTMLEscaping.escape(spec.summary))
        writer.close("desc")
        writer.text(spec.title, x: padding, y: 24, cssClass: "chart-title", extra: [("aria-hidden", "true")])
        let legendBottom = drawLegend(spec, into: &writer)
        let plot = layout(spec, top: legendBottom + 32)
        drawPlot(spec, plot: plot, into: &writer)
        writer.close("svg")
        return writer.markup
    }

    // MARK: Layout

    /// The plot rectangle and the axes' mappings.
    struct Plot {
        var left: Double, right: Double, top: Double, bottom: Double
        var scale: NiceScale
        var xLower: Double, xUpper: Double

        /// The vertical position of a value.
        func y(_ value: Double) -> Double {
            let span = scale.upper - scale.lower
            guard span > 0, value.isFinite else { return bottom }
            return bottom - (value - scale.lower) / span * (bottom - top)
        }

        /// The horizontal position of an axis position.
        func x(_ value: Double) -> Double {
            let span = xUpper - xLower
            guard span > 0, value.isFinite else { return left }
            return left + (value - xLower) / span * (right - left)
        }
    }

    /// Every value the value axis must show.
    static func values(_ spec: ChartSpec) -> [Double] {
        var all = spec.yInclude + spec.references.map(\.y)
        for series in spec.bars { all += series.values }
        for line in spec.lines { all += line.points.map(\.y) }
        if let callout = spec.callout { all.append(callout.y) }
        return all.filter(\.isFinite)
    }

    /// Computes the plot rectangle below `top`.
    static func layout(_ spec: ChartSpec, top: Double) -> Plot {
        let scale = NiceScale(covering: values(spec))
        let widest = scale.ticks.map { spec.yLabel($0, scale.decimals).count }.max() ?? 1
        let left = max(44, padding + Double(widest) * characterWidth + 8)
        var bottomMargin = 26.0
        let xLower: Double, xUpper: Double
        switch spec.x {
        case .bands(let labels):
            xLower = 0
            xUpper = Double(max(1, labels.count))
            if labels.contains(where: { $0.subtext != nil }) { bottomMargin += 14 }
        case .linear(let lower, let upper, _, _, _):
            xLower = lower
            xUpper = upper > lower ? upper : lower + 1
            bottomMargin += 18
        }
        return Plot(left: left, right: spec.width - padding - 4, top: top,
                    bottom: spec.height - bottomMargin, scale: scale, xLower: xLower, xUpper: xUpper)
    }

    // MARK: Legend

    /// Draws the legend under the title; returns its lowest y.
    static func drawLegend(_ spec: ChartSpec, into writer: inout SVGWriter) -> Double {
        var items: [(name: String, tone: ChartTone, kind: Int)] = []  // 0 bar, 1 line, 2 area, 3 dashed, 4 reference
        for series in spec.bars { items.append((series.name, series.tone, 0)) }
        for line in spec.lines {
            guard let name = line.name else { continue }
            items.append((name, line.area ? .gain : line.tone, line.area ? 2 : (line.dashed ? 3 : 1)))
        }
        for reference in spec.references {
            if let legend = reference.legend { items.append((legend, .ink, 4)) }
        }
        var x = padding, y = 46.0
        guard !items.isEmpty else { return 30 }
        for item in items {
            let itemWidth = 24 + Double(item.name.count) * characterWidth + 18
            if x > padding && x + itemWidth > spec.width - padding {
                x = padding
                y += 18
            }
            writer.open("g", [("class", "legend-item")])
            switch item.kind {
            case 0:
                writer.element("rect", [("x", SVGWriter.number(x)), ("y", SVGWriter.number(y - 10)),
                                        ("width", "12"), ("height", "12"), ("rx", "2"),
                                        ("class", "bar " + item.tone.cssClass), ("fill", item.tone.lightColour)])
            case 2:
                writer.element("rect", [("x", SVGWriter.number(x)), ("y", SVGWriter.number(y - 10)),
                                        ("width", "18"), ("height", "12"),
                                        ("class", "area " + item.tone.cssClass), ("fill", item.tone.lightColour)])
                writer.line(x1: x, y1: y - 10, x2: x + 18, y2: y - 10, cssClass: "line " + item.tone.cssClass)
            case 4:
                writer.line(x1: x, y1: y - 4, x2: x + 18, y2: y - 4, cssClass: "ref")
            default:
                writer.line(x1: x, y1: y - 4, x2: x + 18, y2: y - 4,
                            cssClass: "line " + item.tone.cssClass + (item.kind == 3 ? " dashed" : ""))
                writer.element("circle", [("cx", SVGWriter.number(x + 9)), ("cy", SVGWriter.number(y - 4)),
                                          ("r", "3"), ("class", "marker " + item.tone.cssClass)])
            }
            writer.text(item.name, x: x + 24, y: y, cssClass: "legend")
            writer.close("g")
            x += itemWidth
        }
        return y
    }

    // MARK: Plot

    /// Draws the grid, axes, series and annotations.
    static func drawPlot(_ spec: ChartSpec, plot: Plot, into writer: inout SVGWriter) {
        // Value axis: unit, grid lines and tick labels.
        writer.text(spec.yUnit, x: plot.left - 8, y: plot.top - 13, cssClass: "unit", anchor: "end")
        for tick in plot.scale.ticks {
            let y = plot.y(tick)
            if tick != 0 { writer.line(x1: plot.left, y1: y, x2: plot.right, y2: y, cssClass: "grid") }
            writer.text(spec.yLabel(tick, plot.scale.decimals), x: plot.left - 8, y: y + 4,
                        cssClass: "tick", anchor: "end")
        }
        drawXAxis(spec, plot: plot, into: &writer)

        let hasData = spec.bars.contains { $0.values.contains { $0.isFinite && $0 != 0 } }
            || spec.lines.contains { $0.points.contains { $0.x.isFinite && $0.y.isFinite } }
        if !hasData, let message = spec.emptyMessage {
            writer.text(message, x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2,
                        cssClass: "empty", anchor: "middle")
        }

        drawBars(spec, plot: plot, into: &writer)
        let zero = plot.y(0)
        for reference in spec.references where reference.y != 0 {
            let y = plot.y(reference.y)
            writer.line(x1: plot.left, y1: y, x2: plot.right, y2: y, cssClass: "ref")
            if let label = reference.label {
                let position = referenceLabelPosition(label, lineY: y, spec: spec, plot: plot)
                writer.text(label, x: position.x, y: position.y, cssClass: "ref-label")
            }
        }
        for (index, line) in spec.lines.enumerated() {
            drawLine(line, index: index, chartID: spec.id, plot: plot, into: &writer)
        }
        writer.line(x1: plot.left, y1: zero, x2: plot.right, y2: zero, cssClass: "zero")
        if let callout = spec.callout { drawCallout(callout, plot: plot, into: &writer) }
        for line in spec.lines { drawEndLabel(line, plot: plot, into: &writer) }
    }

    /// Where a reference line's label goes: of nine places along the line, above or below
    /// it, the one where the data stay farthest from the label, so that the label does not
    /// sit on a line or a bar. Returns the label's start and baseline.
    static func referenceLabelPosition(_ label: String, lineY: Double, spec: ChartSpec,
                                       plot: Plot) -> (x: Double, y: Double) {
        let width = Double(label.count) * characterWidth
        var points: [(x: Double, y: Double)] = []
        for line in spec.lines {
            let mapped = line.points.filter { $0.x.isFinite && $0.y.isFinite }.map { (x: plot.x($0.x), y: plot.y($0.y)) }
            points += mapped
            // Sample the segments too: a line may cross the label between two markers.
            for (a, b) in zip(mapped, mapped.dropFirst()) {
                for step in 1..<8 {
                    let t = Double(step) / 8
                    points.append((x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t))
                }
            }
        }
        if case .bands(let labels) = spec.x, !labels.isEmpty {
            for series in spec.bars {
                for (band, value) in series.values.enumerated() where value.isFinite {
                    points.append((x: plot.x(Double(band) + 0.5), y: plot.y(value)))
                }
            }
        }
        let first = plot.left + 6, last = max(first, plot.right - 6 - width)
        var best = (x: last, y: lineY - 5), bestDistance = -1.0
        // Right end above the line first: it wins ties.
        for baseline in [lineY - 5, lineY + 14] where baseline - 11 >= plot.top && baseline <= plot.bottom - 2 {
            for index in stride(from: 8, through: 0, by: -1) {
                let start = first + (last - first) * Double(index) / 8
                let centre = baseline - 4
                let near = points.filter { $0.x >= start - 6 && $0.x <= start + width + 6 }
                let distance = near.map { max(0, abs($0.y - centre) - 6) }.min() ?? 1_000
                if distance > bestDistance + 0.5 {
                    best = (start, baseline)
                    bestDistance = distance
                }
            }
        }
        return best
    }

    /// Draws the horizontal axis labels (and ticks for a linear axis).
    static func drawXAxis(_ spec: ChartSpec, plot: Plot, into writer: inout SVGWriter) {
        switch spec.x {
        case .bands(let labels):
            guard !labels.isEmpty else { return }
            let band = (plot.right - plot.left) / Double(labels.count)
            let widest = Double(labels.map(\.text.count).max() ?? 1) * characterWidth + 8
            let every = max(1, Int((widest / max(band, 1)).rounded(.up)))
            for (index, label) in labels.enumerated() {
                let x = plot.x(Double(index) + 0.5)
                if index % every == 0 {
                    writer.text(label.text, x: x, y: plot.bottom + 17, cssClass: "tick", anchor: "middle")
                }
                if let subtext = label.subtext {
                    writer.text(subtext, x: x, y: plot.bottom + 31, cssClass: "tick sub", anchor: "middle")
                }
            }
        case .linear(let lower, let upper, let step, let title, let label):
            guard step > 0, upper > lower else { return }
            let count = min(200, Int(((upper - lower) / step).rounded(.down)))
            for index in 0...count {
                let value = lower + Double(index) * step
                let x = plot.x(value)
                writer.line(x1: x, y1: plot.bottom, x2: x, y2: plot.bottom + 4, cssClass: "axis")
                writer.text(label(value), x: x, y: plot.bottom + 17, cssClass: "tick", anchor: "middle")
            }
            writer.text(title, x: (plot.left + plot.right) / 2, y: plot.bottom + 35,
                        cssClass: "axis-title", anchor: "middle")
        }
    }

    /// Draws grouped bars.
    static func drawBars(_ spec: ChartSpec, plot: Plot, into writer: inout SVGWriter) {
        guard case .bands(let labels) = spec.x, !labels.isEmpty, !spec.bars.isEmpty else { return }
        let count = Double(spec.bars.count)
        let band = (plot.right - plot.left) / Double(labels.count)
        let gap = count > 1 ? min(3, band * 0.04) : 0
        let group = min(band * 0.74, 64 * count)
        let barWidth = max(1, (group - gap * (count - 1)) / count)
        let zero = plot.y(0)
        for (seriesIndex, series) in spec.bars.enumerated() {
            writer.open("g", [("class", "series"), ("aria-label", series.name)])
            for (band, value) in series.values.enumerated() where band < labels.count && value.isFinite {
                let x = plot.x(Double(band) + 0.5) - group / 2 + Double(seriesIndex) * (barWidth + gap)
                let y = plot.y(value)
                let top = min(y, zero), height = max(abs(zero - y), value == 0 ? 0 : 0.8)
                let tooltip = band < series.tooltips.count ? series.tooltips[band] : nil
                writer.element("rect", [("x", SVGWriter.number(x)), ("y", SVGWriter.number(top)),
                                        ("width", SVGWriter.number(barWidth)),
                                        ("height", SVGWriter.number(height)),
                                        ("class", "bar " + series.tone.cssClass),
                                        ("fill", series.tone.lightColour)], tooltip: tooltip)
            }
            writer.close("g")
        }
    }

    /// Draws one line: area, stroke and markers.
    static func drawLine(_ line: ChartSpec.LineSeries, index: Int, chartID: String, plot: Plot,
                         into writer: inout SVGWriter) {
        let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }
        guard !points.isEmpty else { return }
        let mapped = points.map { (x: plot.x($0.x), y: plot.y($0.y)) }
        let zero = plot.y(0)
        writer.open("g", [("class", "series"), ("aria-label", line.name ?? "")])
        if line.area {
            let above = "\(chartID)-clip\(index)-above", below = "\(chartID)-clip\(index)-below"
            writer.open("defs")
            writer.open("clipPath", [("id", above)])
            writer.element("rect", [("x", SVGWriter.number(plot.left - 6)), ("y", SVGWriter.number(plot.top - 6)),
                                    ("width", SVGWriter.number(plot.right - plot.left + 12)),
                                    ("height", SVGWriter.number(max(0, zero - plot.top + 6)))])
            writer.close("clipPath")
            writer.open("clipPath", [("id", below)])
            writer.element("rect", [("x", SVGWriter.number(plot.left - 6)), ("y", SVGWriter.number(zero)),
                                    ("width", SVGWriter.number(plot.right - plot.left + 12)),
                                    ("height", SVGWriter.number(max(0, plot.bottom - zero + 6)))])
            writer.close("clipPath")
            writer.close("defs")
            if let first = mapped.first, let last = mapped.last, mapped.count > 1 {
                let outline = mapped + [(x: last.x, y: zero), (x: first.x, y: zero)]
                for (clip, tone) in [(above, ChartTone.gain), (below, ChartTone.loss)] {
                    writer.element("path", [("d", SVGWriter.path(outline, closed: true)),
                                            ("class", "area " + tone.cssClass), ("fill", tone.lightColour),
                                            ("clip-path", "url(#\(clip))")])
                    if line.stroke {
                        writer.element("path", [("d", SVGWriter.path(mapped)),
                                                ("class", "line " + tone.cssClass),
                                                ("stroke", tone.lightColour), ("fill", "none"),
                                                ("clip-path", "url(#\(clip))")])
                    }
                }
            }
        } else if line.stroke && mapped.count > 1 {
            writer.element("path", [("d", SVGWriter.path(mapped)),
                                    ("class", "line " + line.tone.cssClass + (line.dashed ? " dashed" : "")),
                                    ("stroke", line.tone.lightColour), ("fill", "none")])
        }
        if line.markers {
            for (point, position) in zip(points, mapped) {
                let tone = line.area ? (point.y < 0 ? ChartTone.loss : .gain) : line.tone
                writer.element("circle", [("cx", SVGWriter.number(position.x)), ("cy", SVGWriter.number(position.y)),
                                          ("r", "3.5"), ("class", "marker " + tone.cssClass),
                                          ("stroke", tone.lightColour)], tooltip: point.tooltip)
            }
        }
        writer.close("g")
    }

    /// Writes a line's end label beside its last point, on the side the line does not come
    /// from: above a rising end, below a falling one, and level with the point (to its left)
    /// when the plot's edge leaves no room.
    static func drawEndLabel(_ line: ChartSpec.LineSeries, plot: Plot, into writer: inout SVGWriter) {
        guard let label = line.endLabel else { return }
        let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }
        guard let last = points.last else { return }
        let x = plot.x(last.x), y = plot.y(last.y)
        let previousY = points.count > 1 ? plot.y(points[points.count - 2].y) : y + 1
        let rising = previousY >= y
        var textX = x, textY: Double
        if rising {
            textY = y - 11
            if textY - 12 < plot.top {
                textX = x - 9
                textY = max(y - 4, plot.top + 12)
            }
        } else {
            textY = y + 21
            if textY > plot.bottom - 3 {
                textX = x - 9
                textY = min(y + 16, plot.bottom - 3)
            }
        }
        let width = Double(label.count) * characterWidth
        var anchor = textX != x || x + width / 2 > plot.right ? "end" : "middle"
        if anchor == "end" && textX - width < plot.left {
            // No room on the left (a single point at the start): write it to the right.
            anchor = "start"
            textX = x + 9
        } else if anchor == "middle" && x - width / 2 < plot.left {
            anchor = "start"
            textX = plot.left + 2
        }
        writer.text(label, x: textX, y: textY, cssClass: "end-label", anchor: anchor)
    }

    /// Draws a vertical callout with its dot and label.
    static func drawCallout(_ callout: ChartSpec.Callout, plot: Plot, into writer: inout SVGWriter) {
        guard callout.x.isFinite, callout.y.isFinite else { return }
        let x = plot.x(callout.x), y = plot.y(callout.y)
        writer.line(x1: x, y1: plot.top, x2: x, y2: plot.bottom, cssClass: "callout")
        writer.element("circle", [("cx", SVGWriter.number(x)), ("cy", SVGWriter.number(y)), ("r", "5"),
                                  ("class", "callout-dot")])
        // Beside the dot, on the side the curve leaves free: above the zero line to the left
        // (the curve is still below zero there), else below it to the right (the curve is
        // above zero there). The top of the plot is left to the end-of-line label.
        let width = Double(callout.label.count) * characterWidth
        let fitsLeft = x - plot.left > width + 10
        writer.text(callout.label, x: fitsLeft ? x - 9 : x + 9, y: fitsLeft ? y - 9 : y + 18,
                    cssClass: "callout-label", anchor: fitsLeft ? "end" : "start")
    }
}

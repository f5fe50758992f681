/// A chart described as data: axes, series and annotations. `ChartDrawing` turns it into SVG.
struct ChartSpec {
    /// A label under one band of a band axis.
    struct BandLabel {
        /// The main label ("Jan").
        var text: String
        /// A second line ("2025"), shown under the first; nil for none.
        var subtext: String?
        /// The band's full name for tooltips ("January 2025").
        var name: String
    }

    /// The horizontal axis.
    enum XAxis {
        /// Equal bands, one per label; band `i` spans x = i ... i + 1.
        case bands([BandLabel])
        /// A continuous axis from `lower` to `upper`, ticks every `step`, labelled by `label`.
        case linear(lower: Double, upper: Double, step: Double, title: String, label: (Double) -> String)
    }

    /// One series of bars; bars of several series stand side by side in each band.
    struct BarSeries {
        /// The legend name.
        var name: String
        /// The colour.
        var tone: ChartTone
        /// One value per band; a non-finite value draws no bar.
        var values: [Double]
        /// One tooltip per band.
        var tooltips: [String]
    }

    /// A point of a line, in axis units (band axis: the band centre is i + 0.5).
    struct Point {
        /// The horizontal position, axis units.
        var x: Double
        /// The value; non-finite values are skipped.
        var y: Double
        /// The tooltip of the point's marker, if it has one.
        var tooltip: String?
    }

    /// How a line is drawn.
    struct LineSeries {
        /// The legend name; nil keeps it out of the legend.
        var name: String?
        /// The colour of the line and markers.
        var tone: ChartTone
        /// The points, left to right.
        var points: [Point]
        /// Whether to draw the line joining the points.
        var stroke = true
        /// Whether to mark every point.
        var markers = true
        /// Whether to fill the area to zero, in `gain` above it and `loss` below it.
        var area = false
        /// Whether the line is dashed.
        var dashed = false
        /// A label written beside the last point, if any.
        var endLabel: String?
    }

    /// A horizontal reference line.
    struct ReferenceLine {
        /// The value where it is drawn.
        var y: Double
        /// A label written beside the line inside the plot, if any.
        var label: String?
        /// A legend entry for the line, if any (better than `label` where data cross it).
        var legend: String?
    }

    /// A vertical marker at one point (a payback point).
    struct Callout {
        /// Horizontal position, axis units.
        var x: Double
        /// Value at which a dot is drawn.
        var y: Double
        /// The label.
        var label: String
    }

    /// A prefix unique in the page, for element ids.
    var id: String
    /// The heading drawn at the top and used as the accessible name.
    var title: String
    /// A one-sentence description for assistive technologies.
    var summary: String
    /// The viewBox width.
    var width: Double = 520
    /// The viewBox height.
    var height: Double = 300
    /// The horizontal axis.
    var x: XAxis
    /// The unit written above the value axis ("kWh").
    var yUnit: String
    /// The text of a value-axis tick; receives the tick value and the decimals it needs.
    var yLabel: (Double, Int) -> String = { ReportFormat.number($0, decimals: $1) }
    /// Values the value axis must include besides the data (for example 100 %).
    var yInclude: [Double] = []
    /// Bars, drawn first.
    var bars: [BarSeries] = []
    /// Lines, drawn over the bars in order.
    var lines: [LineSeries] = []
    /// Horizontal reference lines.
    var references: [ReferenceLine] = []
    /// A vertical callout, if any.
    var callout: Callout?
    /// A sentence drawn instead of the plot when there is nothing to show.
    var emptyMessage: String?
}

/// The colour roles of a report's charts. Each is a CSS class (`tone-baseline`) styled by
/// the page's stylesheet (light and dark themes); the light colour is also written as a
/// presentation attribute so that an SVG copied out of the page keeps its colours.
enum ChartTone: String, CaseIterable {
    /// The counterfactual consumption: a neutral grey.
    case baseline
    /// The consumption recorded in the ledger: a strong blue.
    case actual
    /// The IPMVP-adjusted baseline: a dark orange.
    case adjusted
    /// PV production: amber.
    case pv
    /// Renewable share: green.
    case share
    /// Positive quantities (savings, cash gained): teal.
    case gain
    /// Negative quantities (overconsumption, cash still owed): red.
    case loss
    /// Neutral lines and markers (cash-flow line, payback point): slate.
    case ink

    /// The CSS class.
    var cssClass: String { "tone-" + rawValue }

    /// The light-theme colour.
    var lightColour: String {
        switch self {
        case .baseline: "#9aa5b4"
        case .actual: "#1d5fa8"
        case .adjusted: "#c2410c"
        case .pv: "#e8a200"
        case .share: "#2f855a"
        case .gain: "#0f8a7e"
        case .loss: "#c53030"
        case .ink: "#334155"
        }
    }

    /// The dark-theme colour.
    var darkColour: String {
        switch self {
        case .baseline: "#7b8696"
        case .actual: "#5ea1ef"
        case .adjusted: "#fb923c"
        case .pv: "#f6c343"
        case .share: "#5fcf8f"
        case .gain: "#34c3b4"
        case .loss: "#f87171"
        case .ink: "#cbd5e1"
        }
    }
}

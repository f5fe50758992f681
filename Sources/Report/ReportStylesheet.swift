/// The report's inline stylesheet: system fonts only, a light and a dark theme chosen by
/// `prefers-color-scheme`, and an A4 print layout that always uses the light theme.
enum ReportStylesheet {
    /// The theme's colour variables for each chart tone.
    static func toneVariables(dark: Bool) -> String {
        ChartTone.allCases.map { "--\($0.rawValue): \(dark ? $0.darkColour : $0.lightColour);" }
            .joined(separator: " ")
    }

    /// The CSS text.
    static var css: String {
        """
        :root {
          color-scheme: light dark;
          --bg: #f4f6f8; --surface: #ffffff; --text: #17202b; --muted: #5a6676; --rule: #d9dfe6;
          --grid: #e6eaef; --zero: #3b4654; --head: #eef2f6; --good-bg: #e3f4ec; --good: #17683f;
          --bad-bg: #fde8e8; --bad: #a61b1b;
          \(toneVariables(dark: false))
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --bg: #0e1319; --surface: #161d26; --text: #e5eaf0; --muted: #9aa7b5; --rule: #2a3441;
            --grid: #243040; --zero: #b9c4d0; --head: #1c2531; --good-bg: #12392a; --good: #6ee7a8;
            --bad-bg: #451a1a; --bad: #fca5a5;
            \(toneVariables(dark: true))
          }
        }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; }
        body {
          margin: 0; background: var(--bg); color: var(--text);
          font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans",
            "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
          font-size: 15px; line-height: 1.5;
        }
        main { max-width: 1120px; margin: 0 auto; padding: 32px 28px 40px; }
        h1 { font-size: 30px; line-height: 1.2; margin: 4px 0 14px; letter-spacing: -0.01em; }
        h2 { font-size: 19px; margin: 0 0 12px; }
        h3 { font-size: 15px; margin: 0 0 8px; }
        p { margin: 0 0 10px; }
        .eyebrow { text-transform: uppercase; letter-spacing: 0.08em; font-size: 12px; font-weight: 600;
          color: var(--muted); margin: 0; }
        header.masthead { border-bottom: 3px solid var(--actual); padding-bottom: 16px; margin-bottom: 24px; }
        .meta { display: grid; grid-template-columns: minmax(0, 0.7fr) minmax(0, 1.2fr) minmax(0, 1.45fr) minmax(0, 1.35fr); gap: 8px 24px; margin: 0; }
        .meta div { min-width: 0; }
        .meta dt { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.05em; }
        .meta dd { margin: 0; font-weight: 500; overflow-wrap: anywhere; }
        section { margin: 0 0 28px; }
        .panel { background: var(--surface); border: 1px solid var(--rule); border-radius: 10px; padding: 18px 20px; }
        .cards { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 14px; }
        .card { background: var(--surface); border: 1px solid var(--rule); border-top: 4px solid var(--accent, var(--actual));
          border-radius: 10px; padding: 14px 18px 16px; min-width: 0; }
        .card .label { font-size: 13px; color: var(--muted); font-weight: 600; margin: 0 0 4px; }
        .card .value { font-size: 30px; font-weight: 700; line-height: 1.15; margin: 0 0 6px;
          font-variant-numeric: tabular-nums; white-space: nowrap; }
        .card .detail { font-size: 13px; color: var(--muted); margin: 0; }
        .card.warn .value { color: var(--loss); }
        .accent-gain { --accent: var(--gain); } .accent-pv { --accent: var(--pv); }
        .accent-share { --accent: var(--share); } .accent-actual { --accent: var(--actual); }
        .accent-ink { --accent: var(--ink); } .accent-baseline { --accent: var(--baseline); }
        .grid2 { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 18px; }
        figure { margin: 0; background: var(--surface); border: 1px solid var(--rule); border-radius: 10px;
          padding: 6px 6px 2px; min-width: 0; }
        figure + figure { margin-top: 0; }
        svg.chart { display: block; width: 100%; height: auto; font-family: inherit; }
        figcaption { font-size: 12.5px; color: var(--muted); padding: 0 12px 10px; }
        .chart-title { font-size: 15px; font-weight: 700; fill: var(--text); }
        .legend { font-size: 12px; fill: var(--text); }
        .tick { font-size: 12px; fill: var(--muted); font-variant-numeric: tabular-nums; }
        .tick.sub { font-size: 11px; font-weight: 600; }
        .unit, .axis-title { font-size: 12px; fill: var(--muted); font-weight: 600; }
        .empty { font-size: 14px; fill: var(--muted); font-style: italic; }
        .grid { stroke: var(--grid); stroke-width: 1; }
        .axis { stroke: var(--muted); stroke-width: 1; }
        .zero { stroke: var(--zero); stroke-width: 1.6; }
        .ref { stroke: var(--muted); stroke-width: 1.2; stroke-dasharray: 5 4; }
        .ref-label { font-size: 11.5px; fill: var(--muted); font-weight: 600; }
        .end-label { font-size: 12.5px; font-weight: 700; fill: var(--text); }
        .callout { stroke: var(--ink); stroke-width: 1.2; stroke-dasharray: 3 3; }
        .callout-dot { fill: var(--surface); stroke: var(--ink); stroke-width: 2.5; }
        .callout-label { font-size: 12.5px; font-weight: 700; fill: var(--ink); }
        .line { fill: none; stroke-width: 2.4; stroke-linejoin: round; stroke-linecap: round; }
        .line.dashed { stroke-dasharray: 6 4; }
        .area { fill-opacity: 0.2; stroke: none; }
        .marker { fill: var(--surface); stroke-width: 2; }
        \(ChartTone.allCases.map { tone in
            ".bar.\(tone.cssClass), .area.\(tone.cssClass) { fill: var(--\(tone.rawValue)); } "
            + ".line.\(tone.cssClass), .marker.\(tone.cssClass) { stroke: var(--\(tone.rawValue)); }"
        }.joined(separator: "\n"))
        table { width: 100%; border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
        th, td { padding: 6px 10px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
        thead th { background: var(--head); font-size: 12px; font-weight: 700; color: var(--muted);
          border-bottom: 2px solid var(--rule); }
        td.num, th.num { text-align: right; white-space: nowrap; }
        thead th.num { white-space: normal; }
        thead th .unit { display: block; font-weight: 500; text-transform: none; }
        table.monthly tbody th, table.monthly tfoot th { white-space: nowrap; }
        table.monthly th, table.monthly td { padding: 6px 8px; }
        tfoot td, tfoot th { font-weight: 700; border-top: 2px solid var(--rule); border-bottom: none; }
        td.neg { color: var(--loss); }
        .table-wrap { overflow-x: auto; }
        table.facts th { width: 45%; font-weight: 600; color: var(--muted); }
        .badge { display: inline-block; padding: 1px 10px; border-radius: 6px; font-weight: 700; font-size: 13px; }
        .badge.good { background: var(--good-bg); color: var(--good); }
        .badge.bad { background: var(--bad-bg); color: var(--bad); }
        code.hash { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
          "Liberation Mono", monospace; font-size: 13px; word-break: break-all; }
        code.hash.fingerprint { word-break: normal; }
        .muted { color: var(--muted); }
        .small { font-size: 13px; }
        ul.notes { margin: 0; padding-left: 20px; }
        ul.notes li { margin: 0 0 6px; }
        footer { border-top: 1px solid var(--rule); padding-top: 12px; font-size: 12.5px; color: var(--muted); }
        @media (max-width: 760px) {
          .cards, .grid2 { grid-template-columns: 1fr; }
          .meta { grid-template-columns: 1fr 1fr; }
        }
        @media print {
          :root {
            color-scheme: light;
            --bg: #ffffff; --surface: #ffffff; --text: #000000; --muted: #4a5461; --rule: #c9d0d8;
            --grid: #e3e7ec; --zero: #222b36; --head: #eef2f6; --good-bg: #e3f4ec; --good: #17683f;
            --bad-bg: #fde8e8; --bad: #a61b1b;
            \(toneVariables(dark: false))
          }
          @page { size: A4; margin: 14mm 12mm 16mm; }
          html, body { background: #ffffff; font-size: 10pt; }
          * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          main { max-width: none; padding: 0; }
          h1 { font-size: 20pt; }
          .cards { grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 8px; }
          .card .value { font-size: 17pt; }
          .grid2 { display: block; }
          .grid2 > * + * { margin-top: 12px; }
          figure, .card, .panel, tr { break-inside: avoid; }
          h2 { break-after: avoid; }
          svg.chart { max-height: 80mm; }
          .table-wrap { overflow: visible; }
          table { font-size: 8.5pt; }
          th, td { padding: 3px 6px; }
        }
        """
    }
}

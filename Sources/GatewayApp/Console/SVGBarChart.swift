/// A bar chart drawn as SVG text on the server: one group of bars per label, one bar per series, scaled to the
/// largest value. Colours come from the stylesheet by class (`series-0`, `series-1`, …), so the page's strict
/// content security policy holds and dark mode applies. Every chart on a page has a table of the same numbers
/// beside it; the SVG carries a `<title>` and is hidden from screen readers in favour of that table.
struct SVGBarChart {
    struct Series {
        let name: String
        let values: [Int64]
    }

    let title: String
    let labels: [String]
    let series: [Series]
    /// Show every `labelEvery`-th label under the bars.
    var labelEvery = 1
    /// How a value is written on the axis and in a bar's title: in the same unit as the table beside the chart
    /// (money in major units, for instance).
    var valueText: (Int64) -> String = { String($0) }

    /// The chart's SVG markup.
    var svg: String {
        let width = 720
        let height = 220
        let top = 10
        let bottom = 30
        let left = 72
        let plotHeight = height - top - bottom
        // Rounded up so that the five grid lines fall on whole numbers.
        let largest = max(1, series.flatMap(\.values).max() ?? 1)
        let maximum = largest > Int64.max - 4 ? largest : (largest + 3) / 4 * 4
        let groups = max(1, labels.count)
        let groupWidth = Double(width - left) / Double(groups)
        let barWidth = max(1.0, groupWidth * 0.8 / Double(max(1, series.count)))
        var out =
            #"<svg class="chart" viewBox="0 0 \#(width) \#(height)" role="img" aria-hidden="true" xmlns="http://www.w3.org/2000/svg">"#
        out += "<title>\(Self.escape(title))</title>"
        for step in 0...4 {
            let value = maximum * Int64(step) / 4
            let y = top + plotHeight - Int(Double(plotHeight) * Double(step) / 4)
            out += #"<line class="grid" x1="\#(left)" x2="\#(width)" y1="\#(y)" y2="\#(y)"/>"#
            out +=
                #"<text class="axis" x="\#(left - 6)" y="\#(y + 4)" text-anchor="end">\#(Self.escape(valueText(value)))</text>"#
        }
        for (index, label) in labels.enumerated() {
            let x0 = Double(left) + Double(index) * groupWidth + groupWidth * 0.1
            for (seriesIndex, one) in series.enumerated() {
                let value = index < one.values.count ? max(0, one.values[index]) : 0
                let barHeight = Double(plotHeight) * Double(value) / Double(maximum)
                let x = x0 + Double(seriesIndex) * barWidth
                let y = Double(top + plotHeight) - barHeight
                out +=
                    #"<rect class="series-\#(seriesIndex)" x="\#(Self.number(x))" y="\#(Self.number(y))" width="\#(Self.number(barWidth))" height="\#(Self.number(barHeight))"><title>\#(Self.escape(one.name)) \#(Self.escape(label)): \#(Self.escape(valueText(value)))</title></rect>"#
            }
            if index % max(1, labelEvery) == 0 {
                out +=
                    #"<text class="axis" x="\#(Self.number(x0 + groupWidth * 0.4))" y="\#(height - 10)" text-anchor="middle">\#(Self.escape(label))</text>"#
            }
        }
        for (index, one) in series.enumerated() {
            let x = left + 10 + index * 140
            out += #"<rect class="series-\#(index)" x="\#(x)" y="2" width="10" height="10"/>"#
            out += #"<text class="axis" x="\#(x + 14)" y="11">\#(Self.escape(one.name))</text>"#
        }
        return out + "</svg>"
    }

    private static func number(_ value: Double) -> String {
        let scaled = (value * 10).rounded() / 10
        return scaled == scaled.rounded() ? String(Int(scaled)) : String(scaled)
    }

    /// Text escaped for SVG/HTML content and attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

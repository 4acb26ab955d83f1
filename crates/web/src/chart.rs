//! Charts as SVG written here, no script and no chart crate: grouped
//! horizontal bars (labels in Chinese stay readable on a 360 px phone, one
//! row each) and a line over the months. A chart and the table beside it
//! are written from one [`Chart`], so the numbers the picture shows are the
//! table's. The SVG scales with its `viewBox`, names its axes, and carries
//! a `<title>` and `<desc>` for screen readers; it prints as it shows.
//!
//! Every text is escaped here; callers pass plain text.

use std::fmt::Write as _;

/// One number of a chart: where it is drawn (`amount`, in the chart's one
/// unit: tenths of a point, per mille, a count) and how it reads (`text`,
/// as the table prints it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    pub amount: i64,
    pub text: String,
}

/// A line or a set of bars, one value per label; none where withheld.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<Value>>,
}

/// What a chart and its table show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    /// Unique on its page: the chart's ids derive from it.
    pub id: String,
    pub title: String,
    /// The name of the axis the labels stand on (支部, 月份 …).
    pub label_axis: String,
    /// The name of the axis of the values (积分, 参与率 …).
    pub value_axis: String,
    pub labels: Vec<String>,
    pub series: Vec<Series>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bars,
    Line,
}

/// The colours of the series, told apart in grey print by their shade.
const COLOURS: [&str; 4] = ["#b3261e", "#7a7a7a", "#d4a017", "#2f5f8f"];
const WIDTH: i64 = 340;
const FONT: i64 = 12;

/// Text made safe for XML and HTML, attributes included.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A label cut to fit its column (the table beside has it whole).
fn fit(label: &str, chars: usize) -> String {
    if label.chars().count() <= chars {
        return label.to_string();
    }
    let mut cut: String = label.chars().take(chars - 1).collect();
    cut.push('…');
    cut
}

impl Chart {
    fn values(&self) -> impl Iterator<Item = &Value> {
        self.series.iter().flat_map(|s| s.values.iter().flatten())
    }

    /// The range drawn: zero and every value in it.
    fn range(&self) -> (i64, i64) {
        let low = self.values().map(|v| v.amount).min().unwrap_or(0).min(0);
        let high = self.values().map(|v| v.amount).max().unwrap_or(0).max(0);
        (low, if high == low { low + 1 } else { high })
    }

    /// The chart and its table, in a `<figure>`.
    pub fn figure(&self, kind: Kind, withheld: &str) -> String {
        format!(
            "<figure class=\"chart\" data-chart=\"{id}\"><figcaption>{title}</figcaption>{svg}{table}</figure>",
            id = escape(&self.id),
            title = escape(&self.title),
            svg = self.svg(kind),
            table = self.table(withheld),
        )
    }

    /// The table of the chart's numbers: a row per label, a column per series.
    pub fn table(&self, withheld: &str) -> String {
        let mut out = format!(
            "<div class=\"wide\"><div class=\"scroll\"><table data-chart-table=\"{}\"><tr><th>{}</th>",
            escape(&self.id),
            escape(&self.label_axis)
        );
        for series in &self.series {
            let _ = write!(out, "<th class=\"num\">{}</th>", escape(&series.name));
        }
        out.push_str("</tr>");
        for (i, label) in self.labels.iter().enumerate() {
            let _ = write!(out, "<tr><td class=\"name\">{}</td>", escape(label));
            for series in &self.series {
                match series.values.get(i).and_then(Option::as_ref) {
                    Some(v) => {
                        let _ = write!(out, "<td class=\"num\" data-value=\"{0}\">{0}</td>", escape(&v.text));
                    }
                    None => {
                        let _ = write!(out, "<td class=\"num muted\" data-value=\"\">{}</td>", escape(withheld));
                    }
                }
            }
            out.push_str("</tr>");
        }
        out.push_str("</table></div></div>");
        out
    }

    /// The chart alone, as SVG.
    pub fn svg(&self, kind: Kind) -> String {
        match kind {
            Kind::Bars => self.bars(),
            Kind::Line => self.line(),
        }
    }

    fn open(&self, height: i64) -> String {
        let id = escape(&self.id);
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" \
             role=\"img\" aria-labelledby=\"{id}-t {id}-d\" font-size=\"{FONT}\" class=\"chart-svg\">\
             <title id=\"{id}-t\">{title}</title><desc id=\"{id}-d\">{label_axis} · {value_axis}</desc>",
            title = escape(&self.title),
            label_axis = escape(&self.label_axis),
            value_axis = escape(&self.value_axis),
        )
    }

    /// The series' names with their colours, one line each, from `top`.
    fn legend(&self, out: &mut String, top: i64) -> i64 {
        let mut y = top;
        for (i, series) in self.series.iter().enumerate() {
            let _ = write!(
                out,
                "<rect x=\"0\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
                 <text x=\"16\" y=\"{}\" class=\"legend\">{}</text>",
                y,
                COLOURS[i % COLOURS.len()],
                y + 10,
                escape(&series.name)
            );
            y += 16;
        }
        y
    }

    /// Grouped horizontal bars: a row of bars per label, the value written
    /// at each bar's end; each row's label on a line of its own above its
    /// bars, so that a long Chinese name keeps the whole width.
    fn bars(&self) -> String {
        const LABEL: i64 = 16;
        const TEXT: i64 = 48;
        const BAR: i64 = 14;
        const GAP: i64 = 8;
        let mut body = String::new();
        let mut y = self.legend(&mut body, 0) + 4;
        let _ = write!(
            body,
            "<text x=\"0\" y=\"{}\" class=\"axis-name\" data-axis=\"labels\" font-weight=\"bold\">{}</text>",
            y + 10,
            escape(&self.label_axis)
        );
        y += 18;
        let (low, high) = self.range();
        let span = WIDTH - TEXT;
        let at = |amount: i64| (amount - low) * span / (high - low);
        let zero = at(0);
        let top = y;
        let per_row = LABEL + BAR * self.series.len().max(1) as i64 + GAP;
        for (i, label) in self.labels.iter().enumerate() {
            let row = top + i as i64 * per_row;
            let _ = write!(body, "<text x=\"0\" y=\"{}\" class=\"label\">{}</text>", row + 12, escape(&fit(label, 26)));
            for (s, series) in self.series.iter().enumerate() {
                let bar = row + LABEL + s as i64 * BAR;
                let colour = COLOURS[s % COLOURS.len()];
                match series.values.get(i).and_then(Option::as_ref) {
                    Some(v) => {
                        let end = at(v.amount);
                        let (x, width) = if end >= zero { (zero, end - zero) } else { (end, zero - end) };
                        let _ = write!(
                            body,
                            "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\"><title>{} · {}: {}</title></rect>\
                             <text x=\"{}\" y=\"{}\" class=\"value\" data-value=\"{}\">{}</text>",
                            bar + 1,
                            width.max(1),
                            BAR - 2,
                            escape(label),
                            escape(&series.name),
                            escape(&v.text),
                            x + width.max(1) + 3,
                            bar + BAR - 3,
                            escape(&v.text),
                            escape(&v.text),
                        );
                    }
                    None => {
                        let _ = write!(
                            body,
                            "<text x=\"{}\" y=\"{}\" class=\"value\" fill=\"#666\" data-value=\"\">—</text>",
                            zero + 3,
                            bar + BAR - 3
                        );
                    }
                }
            }
        }
        let bottom = top + self.labels.len() as i64 * per_row;
        let _ = write!(
            body,
            "<line x1=\"{zero}\" y1=\"{}\" x2=\"{zero}\" y2=\"{bottom}\" stroke=\"#222\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"axis-name\" data-axis=\"values\" font-weight=\"bold\">{}</text>",
            top - 2,
            WIDTH,
            bottom + 16,
            escape(&self.value_axis)
        );
        format!("{}{body}</svg>", self.open(bottom + 22))
    }

    /// A line per series over the labels (the months), a dot at each value.
    fn line(&self) -> String {
        const LEFT: i64 = 34;
        const RIGHT: i64 = 8;
        const PLOT: i64 = 150;
        let mut body = String::new();
        let mut y = self.legend(&mut body, 0) + 4;
        let _ = write!(
            body,
            "<text x=\"0\" y=\"{}\" class=\"axis-name\" data-axis=\"values\" font-weight=\"bold\">{}</text>",
            y + 10,
            escape(&self.value_axis)
        );
        y += 20;
        let (low, high) = self.range();
        let top = y;
        let bottom = top + PLOT;
        let vy = |amount: i64| bottom - (amount - low) * PLOT / (high - low);
        let n = self.labels.len().max(1) as i64;
        let step = (WIDTH - LEFT - RIGHT) / n;
        let x = |i: usize| LEFT + step / 2 + i as i64 * step;
        // The value axis: its ends, and zero.
        let mut ticks: Vec<(i64, String)> = vec![(low, self.tick(low)), (high, self.tick(high))];
        if low < 0 {
            ticks.push((0, "0".into()));
        }
        for (amount, text) in ticks {
            let _ = write!(
                body,
                "<line x1=\"{LEFT}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#ccc\"/>\
                 <text x=\"{2}\" y=\"{3}\" text-anchor=\"end\" class=\"tick\">{4}</text>",
                vy(amount),
                WIDTH - RIGHT,
                LEFT - 3,
                vy(amount) + 4,
                escape(&text)
            );
        }
        let _ = write!(
            body,
            "<line x1=\"{LEFT}\" y1=\"{top}\" x2=\"{LEFT}\" y2=\"{bottom}\" stroke=\"#222\"/>\
             <line x1=\"{LEFT}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#222\"/>",
            vy(0),
            WIDTH - RIGHT
        );
        for (i, label) in self.labels.iter().enumerate() {
            let _ = write!(
                body,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" class=\"label\" font-size=\"{}\">{}</text>",
                x(i),
                bottom + 14,
                // Twelve months fit a phone's width in a smaller type.
                if n > 8 { 9 } else { FONT },
                escape(&fit(label, 4))
            );
        }
        for (s, series) in self.series.iter().enumerate() {
            let colour = COLOURS[s % COLOURS.len()];
            // A withheld value breaks the line.
            let mut runs: Vec<Vec<(i64, i64)>> = vec![Vec::new()];
            for (i, value) in series.values.iter().enumerate() {
                match value {
                    Some(v) => runs.last_mut().expect("one").push((x(i), vy(v.amount))),
                    None => runs.push(Vec::new()),
                }
            }
            for run in runs.iter().filter(|r| r.len() > 1) {
                let points: Vec<String> = run.iter().map(|(x, y)| format!("{x},{y}")).collect();
                let dash = if s % 2 == 1 { " stroke-dasharray=\"4 3\"" } else { "" };
                let _ = write!(
                    body,
                    "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>",
                    points.join(" ")
                );
            }
            for (i, value) in series.values.iter().enumerate() {
                let label = self.labels.get(i).map_or("", String::as_str);
                match value {
                    Some(v) => {
                        let _ = write!(
                            body,
                            "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{colour}\" data-value=\"{}\"><title>{} · {}: {}</title></circle>",
                            x(i),
                            vy(v.amount),
                            escape(&v.text),
                            escape(label),
                            escape(&series.name),
                            escape(&v.text)
                        );
                    }
                    None => {
                        let _ = write!(
                            body,
                            "<g data-value=\"\"><title>{} · {}: —</title></g>",
                            escape(label),
                            escape(&series.name)
                        );
                    }
                }
            }
        }
        let _ = write!(
            body,
            "<text x=\"{WIDTH}\" y=\"{}\" text-anchor=\"end\" class=\"axis-name\" data-axis=\"labels\" font-weight=\"bold\">{}</text>",
            bottom + 30,
            escape(&self.label_axis)
        );
        format!("{}{body}</svg>", self.open(bottom + 36))
    }

    /// How the axis writes an amount: as the value with that amount reads,
    /// or the bare number.
    fn tick(&self, amount: i64) -> String {
        self.values().find(|v| v.amount == amount).map_or_else(|| amount.to_string(), |v| v.text.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::Reader;
    use quick_xml::XmlVersion;
    use quick_xml::events::Event;

    /// What a well-formed SVG holds: every data-value in order, and each
    /// axis's name. Fails on anything that does not parse or balance.
    struct Parsed {
        values: Vec<String>,
        axes: Vec<(String, String)>,
        title: String,
    }

    fn parse(svg: &str) -> Parsed {
        let mut reader = Reader::from_str(svg);
        let mut open: Vec<String> = Vec::new();
        let mut parsed = Parsed { values: Vec::new(), axes: Vec::new(), title: String::new() };
        let mut axis: Option<String> = None;
        let mut text = String::new();
        loop {
            let event = reader.read_event().expect("the SVG parses");
            // A text ends at the next tag: it belongs to the element open.
            if !matches!(event, Event::Text(_) | Event::GeneralRef(_)) && !text.is_empty() {
                if let Some(which) = axis.take() {
                    parsed.axes.push((which, text.clone()));
                }
                if open.last().map(String::as_str) == Some("title") && open.len() == 2 {
                    parsed.title = text.clone();
                }
                text.clear();
            }
            match event {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    for a in e.attributes() {
                        let a = a.expect("attribute parses");
                        let value =
                            a.normalized_value(XmlVersion::Implicit1_0).expect("attribute unescapes").to_string();
                        match a.key.as_ref() {
                            "data-value" => parsed.values.push(value),
                            "data-axis" => axis = Some(value),
                            _ => {}
                        }
                    }
                    if matches!(event, Event::Start(_)) {
                        open.push(e.name().as_ref().to_string());
                    }
                }
                Event::Text(t) => text.push_str(t.as_ref()),
                Event::GeneralRef(r) => text.push_str(match r.into_inner().as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unknown entity {other}"),
                }),
                Event::End(e) => {
                    let name = e.name().as_ref().to_string();
                    assert_eq!(open.pop().as_deref(), Some(name.as_str()), "tags balance");
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(open.is_empty(), "every tag is closed: {open:?}");
        parsed
    }

    fn v(amount: i64, text: &str) -> Option<Value> {
        Some(Value { amount, text: text.into() })
    }

    fn chart() -> Chart {
        Chart {
            id: "c1".into(),
            title: "支部对比 <&>".into(),
            label_axis: "支部".into(),
            value_axis: "积分".into(),
            labels: vec!["第一支部".into(), "第二支部\"甲\"".into(), "第三支部".into()],
            series: vec![
                Series { name: "本人".into(), values: vec![v(125, "12.5"), v(-30, "-3.0"), None] },
                Series { name: "支部中位数".into(), values: vec![v(100, "10.0"), v(40, "4.0"), v(0, "0.0")] },
            ],
        }
    }

    #[test]
    fn bars_parse_name_their_axes_and_show_the_tables_numbers() {
        let c = chart();
        for kind in [Kind::Bars, Kind::Line] {
            let parsed = parse(&c.svg(kind));
            assert_eq!(parsed.title, "支部对比 <&>", "{kind:?}: the title, unescaped");
            assert!(parsed.axes.contains(&("labels".into(), "支部".into())), "{kind:?}: {:?}", parsed.axes);
            assert!(parsed.axes.contains(&("values".into(), "积分".into())), "{kind:?}: {:?}", parsed.axes);
            let mut values = parsed.values.clone();
            values.sort();
            let mut expected: Vec<String> =
                ["12.5", "-3.0", "", "10.0", "4.0", "0.0"].iter().map(|s| s.to_string()).collect();
            expected.sort();
            assert_eq!(values, expected, "{kind:?}: every value once, the withheld one empty");
        }
    }

    #[test]
    fn the_table_holds_the_same_numbers_as_the_chart() {
        let c = chart();
        let figure = c.figure(Kind::Bars, "—");
        let table_start = figure.find("<table").unwrap();
        let cells: Vec<&str> =
            figure[table_start..].split("data-value=\"").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]).collect();
        let mut table: Vec<String> = cells.iter().map(|s| s.to_string()).collect();
        let mut drawn = parse(&c.svg(Kind::Bars)).values;
        table.sort();
        drawn.sort();
        assert_eq!(table, drawn);
        assert!(figure.contains("第二支部&quot;甲&quot;"), "labels are escaped");
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_start_negative_ones_left_of_zero() {
        let c = chart();
        let svg = c.svg(Kind::Bars);
        assert!(svg.contains("viewBox=\"0 0 340 "), "scales from its viewBox");
        // From -3.0 to 12.5 over the width less the values' column.
        let span = WIDTH - 48;
        let zero = 30 * span / 155;
        assert!(svg.contains(&format!("<rect x=\"{zero}\" ")), "bars start at zero: {svg}");
        assert!(svg.contains(&format!("width=\"{}\"", 155 * span / 155 - zero)), "12.5 spans to the end: {svg}");
        assert!(svg.contains(&format!("width=\"{zero}\" height")), "-3.0 runs from the left edge to zero: {svg}");
    }

    #[test]
    fn an_empty_chart_is_still_well_formed() {
        let c = Chart { labels: Vec::new(), series: Vec::new(), ..chart() };
        parse(&c.svg(Kind::Bars));
        parse(&c.svg(Kind::Line));
    }

    #[test]
    fn long_labels_are_cut_in_the_picture_not_in_the_table() {
        assert_eq!(fit("一二三四五六七八九", 7), "一二三四五六…");
        let long = Chart { labels: vec!["第".repeat(30)], ..chart() };
        assert!(long.svg(Kind::Bars).contains(&format!("{}…", "第".repeat(25))));
        assert!(long.table("—").contains(&"第".repeat(30)));
        assert_eq!(fit("一二三", 7), "一二三");
    }
}

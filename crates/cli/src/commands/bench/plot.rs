//! `starledger bench plot`: draws the growth figures of BENCHMARKS.md from
//! a CSV kept in the repository into a small hand-written SVG, so the plot
//! is regenerated from the same numbers as the table and needs nothing but
//! this binary.
//!
//! The CSV has a header and one line per measurement (`#` starts a
//! comment): `panel,series,members,value,baseline`. Each panel is one
//! chart; each series one line of the product's figures over the members
//! (both axes logarithmic), and its baseline, measured in the same run,
//! the same colour dashed.

use crate::args::BenchPlotArgs;
use crate::failure::{Failure, Outcome};
use std::fmt::Write as _;

#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub panel: String,
    pub series: String,
    pub members: f64,
    pub value: f64,
    pub baseline: Option<f64>,
}

pub async fn run(args: BenchPlotArgs) -> Outcome {
    let text = std::fs::read_to_string(&args.csv)
        .map_err(|e| Failure::bad_input(format!("cannot read {}: {e}", args.csv.display())))?;
    let points = parse(&text).map_err(|e| Failure::bad_input(format!("{}: {e}", args.csv.display())))?;
    let svg = draw(&points);
    std::fs::write(&args.out, svg).map_err(|e| Failure::failed(format!("cannot write {}: {e}", args.out.display())))?;
    let panels = panels(&points).len();
    println!("wrote {}: {panels} charts, {} points from {}", args.out.display(), points.len(), args.csv.display());
    println!("reproduce: starledger bench plot --csv {} --out {}", args.csv.display(), args.out.display());
    Ok(())
}

/// The measurements of the CSV, in its order.
pub fn parse(text: &str) -> Result<Vec<Point>, String> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let (_, header) = lines.next().ok_or("the file is empty")?;
    let expected = "panel,series,members,value,baseline";
    if header.trim() != expected {
        return Err(format!("the header must be `{expected}`, not `{}`", header.trim()));
    }
    let mut points = Vec::new();
    for (index, line) in lines {
        let at = index + 1;
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let [panel, series, members, value, baseline] = cells[..] else {
            return Err(format!("line {at}: five cells expected, found {}", cells.len()));
        };
        let number = |name: &str, cell: &str| -> Result<f64, String> {
            match cell.parse::<f64>() {
                Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
                _ => Err(format!("line {at}: {name} must be a positive number, not `{cell}`")),
            }
        };
        points.push(Point {
            panel: panel.to_string(),
            series: series.to_string(),
            members: number("members", members)?,
            value: number("value", value)?,
            baseline: if baseline.is_empty() { None } else { Some(number("baseline", baseline)?) },
        });
    }
    if points.is_empty() {
        return Err("no measurements below the header".into());
    }
    Ok(points)
}

fn panels(points: &[Point]) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for p in points {
        if !names.contains(&p.panel.as_str()) {
            names.push(&p.panel);
        }
    }
    names
}

const COLOURS: [&str; 6] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"];
const PANEL_W: f64 = 400.0;
const PANEL_H: f64 = 300.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 45.0;
const PER_ROW: usize = 2;

/// Powers of ten spanning `[low, high]`, widened to whole decades.
fn decades(low: f64, high: f64) -> (f64, f64) {
    let low = low.log10().floor();
    let high = high.log10().ceil().max(low + 1.0);
    (low, high)
}

fn label(value: f64) -> String {
    if value >= 1e6 {
        format!("{}M", value / 1e6)
    } else if value >= 1e3 {
        format!("{}k", value / 1e3)
    } else if value >= 1.0 {
        format!("{value}")
    } else {
        let text = format!("{value:.6}");
        text.trim_end_matches('0').to_string()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The whole SVG: one chart per panel, two per row.
pub fn draw(points: &[Point]) -> String {
    let names = panels(points);
    let rows = names.len().div_ceil(PER_ROW);
    let columns = names.len().min(PER_ROW);
    let width = columns as f64 * PANEL_W;
    let height = rows as f64 * PANEL_H + 30.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(svg, r#"<rect width="{width}" height="{height}" fill="white"/>"#);
    let _ = writeln!(
        svg,
        r#"<text x="10" y="18" font-size="12">Solid: starledger; dashed: its same-run baseline. Log axes.</text>"#
    );
    for (index, name) in names.iter().enumerate() {
        let x0 = (index % PER_ROW) as f64 * PANEL_W;
        let y0 = 30.0 + (index / PER_ROW) as f64 * PANEL_H;
        let mine: Vec<&Point> = points.iter().filter(|p| p.panel == *name).collect();
        chart(&mut svg, name, &mine, x0, y0);
    }
    svg.push_str("</svg>\n");
    svg
}

fn chart(svg: &mut String, title: &str, points: &[&Point], x0: f64, y0: f64) {
    let (x_low, x_high) = decades(
        points.iter().map(|p| p.members).fold(f64::INFINITY, f64::min),
        points.iter().map(|p| p.members).fold(0.0, f64::max),
    );
    let values = points.iter().flat_map(|p| std::iter::once(p.value).chain(p.baseline));
    let (y_low, y_high) = decades(values.clone().fold(f64::INFINITY, f64::min), values.fold(0.0, f64::max));
    let plot_w = PANEL_W - LEFT - RIGHT;
    let plot_h = PANEL_H - TOP - BOTTOM;
    let left = x0 + LEFT;
    let top = y0 + TOP;
    let x = |members: f64| left + (members.log10() - x_low) / (x_high - x_low) * plot_w;
    let y = |value: f64| top + plot_h - (value.log10() - y_low) / (y_high - y_low) * plot_h;
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" font-size="13" font-weight="bold">{}</text>"#,
        left,
        y0 + 22.0,
        escape(title)
    );
    let _ =
        writeln!(svg, r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>"##);
    for decade in x_low as i32..=x_high as i32 {
        let at = x(10f64.powi(decade));
        let _ = writeln!(svg, r##"<line x1="{at:.1}" y1="{top}" x2="{at:.1}" y2="{}" stroke="#ddd"/>"##, top + plot_h);
        let _ = writeln!(
            svg,
            r#"<text x="{at:.1}" y="{}" text-anchor="middle">{}</text>"#,
            top + plot_h + 14.0,
            label(10f64.powi(decade))
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="{}" text-anchor="middle">members</text>"#,
        left + plot_w / 2.0,
        top + plot_h + 30.0
    );
    for decade in y_low as i32..=y_high as i32 {
        let at = y(10f64.powi(decade));
        let _ =
            writeln!(svg, r##"<line x1="{left}" y1="{at:.1}" x2="{}" y2="{at:.1}" stroke="#ddd"/>"##, left + plot_w);
        let _ = writeln!(
            svg,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 4.0,
            at + 4.0,
            label(10f64.powi(decade))
        );
    }
    let mut series: Vec<&str> = Vec::new();
    for p in points {
        if !series.contains(&p.series.as_str()) {
            series.push(&p.series);
        }
    }
    for (index, name) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let mut mine: Vec<&&Point> = points.iter().filter(|p| p.series == *name).collect();
        mine.sort_by(|a, b| a.members.total_cmp(&b.members));
        let line = |pick: &dyn Fn(&Point) -> Option<f64>| -> String {
            mine.iter()
                .filter_map(|p| pick(p).map(|v| format!("{:.1},{:.1}", x(p.members), y(v))))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let product = line(&|p| Some(p.value));
        let baseline = line(&|p| p.baseline);
        let _ = writeln!(svg, r#"<polyline points="{product}" fill="none" stroke="{colour}" stroke-width="2"/>"#);
        for p in &mine {
            let _ = writeln!(svg, r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{colour}"/>"#, x(p.members), y(p.value));
        }
        if !baseline.is_empty() {
            let _ = writeln!(
                svg,
                r#"<polyline points="{baseline}" fill="none" stroke="{colour}" stroke-width="1.5" stroke-dasharray="5,4"/>"#
            );
        }
        let legend_y = top + 10.0 + index as f64 * 16.0;
        let legend_x = left + plot_w + 10.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{legend_x}" y1="{legend_y}" x2="{}" y2="{legend_y}" stroke="{colour}" stroke-width="2"/>"#,
            legend_x + 16.0
        );
        let _ = writeln!(svg, r#"<text x="{}" y="{}">{}</text>"#, legend_x + 20.0, legend_y + 4.0, escape(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "# a comment\npanel,series,members,value,baseline\n\
        reads (req/s),/standings,216,3000,9000\nreads (req/s),/standings,2160,1500,8000\n\
        rating (s),all communities,216,0.01,\n";

    #[test]
    fn reads_the_csv_and_draws_one_chart_per_panel() {
        let points = parse(CSV).expect("parses");
        assert_eq!(points.len(), 3);
        assert_eq!(points[2].baseline, None);
        let svg = draw(&points);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert_eq!(svg.matches("font-weight=\"bold\"").count(), 2, "{svg}");
        // One product line per series, one baseline line where there is one.
        assert_eq!(svg.matches("<polyline").count(), 3, "{svg}");
        assert!(svg.contains("/standings"), "{svg}");
    }

    #[test]
    fn refuses_a_wrong_header_and_a_bad_number() {
        assert!(parse("a,b\n1,2\n").unwrap_err().contains("header"));
        let bad = "panel,series,members,value,baseline\nreads,x,216,-1,\n";
        assert!(parse(bad).unwrap_err().contains("line 2: value"), "{:?}", parse(bad));
    }
}

//! An SVG line chart of the heaviest players' mass over a match. Hand-written: a chart this
//! simple is not worth a plotting dependency.

use std::fmt::Write as _;

use super::report::MassSeries;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 540.0;
const MARGIN: f64 = 60.0;
/// More lines than this turn into noise.
const MAX_LINES: usize = 8;
const PALETTE: [&str; MAX_LINES] = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#808000",
];

/// Plots the `MAX_LINES` players with the highest peak mass. `tick_rate` turns ticks into seconds.
pub fn render(series: &MassSeries, tick_rate: u32, title: &str) -> String {
    let mut top: Vec<(&String, &Vec<f32>, f32)> = series
        .mass
        .iter()
        .map(|(name, values)| (name, values, values.iter().copied().fold(0.0, f32::max)))
        .collect();
    top.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(b.0)));
    top.truncate(MAX_LINES);

    let max_mass = f64::from(top.first().map_or(1.0, |t| t.2)).max(1.0);
    let last_tick = series.ticks.last().copied().unwrap_or(1).max(1) as f64;
    let x = |tick: u64| MARGIN + (tick as f64 / last_tick) * (WIDTH - 2.0 * MARGIN);
    let y = |mass: f64| HEIGHT - MARGIN - (mass / max_mass) * (HEIGHT - 2.0 * MARGIN);

    let mut svg = String::new();
    write_header(&mut svg, title);
    // axes and gridlines
    for i in 0..=4 {
        let mass = max_mass * f64::from(i) / 4.0;
        let yy = y(mass);
        let _ = writeln!(
            svg,
            r##"<line x1="{MARGIN}" y1="{yy:.1}" x2="{}" y2="{yy:.1}" stroke="#dddddd"/><text x="{}" y="{:.1}" text-anchor="end">{mass:.0}</text>"##,
            WIDTH - MARGIN,
            MARGIN - 6.0,
            yy + 4.0
        );
        let tick = (last_tick * f64::from(i) / 4.0) as u64;
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{}" text-anchor="middle">{:.0} s</text>"#,
            x(tick),
            HEIGHT - MARGIN + 18.0,
            tick as f64 / f64::from(tick_rate.max(1))
        );
    }
    let _ = writeln!(
        svg,
        r#"<text x="16" y="{}" transform="rotate(-90 16 {})" text-anchor="middle">mass</text>"#,
        HEIGHT / 2.0,
        HEIGHT / 2.0
    );
    for (i, (name, values, _)) in top.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let points: Vec<String> = series
            .ticks
            .iter()
            .zip(values.iter())
            .map(|(&t, &m)| format!("{:.1},{:.1}", x(t), y(f64::from(m))))
            .collect();
        let _ = writeln!(
            svg,
            r#"<polyline fill="none" stroke="{color}" stroke-width="2" points="{}"/>"#,
            points.join(" ")
        );
        let ly = MARGIN + 16.0 * i as f64;
        let _ = writeln!(
            svg,
            r#"<rect x="{}" y="{:.1}" width="10" height="10" fill="{color}"/><text x="{}" y="{:.1}">{}</text>"#,
            WIDTH - MARGIN - 150.0,
            ly - 9.0,
            WIDTH - MARGIN - 135.0,
            ly,
            escape(name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The opening tag, a white background and the centred title.
fn write_header(svg: &mut String, title: &str) {
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{}" y="24" font-size="16" text-anchor="middle">{}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

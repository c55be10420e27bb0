//! `orb history --plot FILE.svg|png`: the chosen fields over time, one line each (plotters).
//!
//! Text is measured (SVG) and drawn (PNG) with a TrueType font found on the machine (DejaVu Sans
//! or Liberation Sans where Linux distributions put them, Arial elsewhere, or `ORB_PLOT_FONT`);
//! without one the command says which package to install. (plotters' own font lookup,
//! font-kit, would add system libraries to the build for the same result.)

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use orb_collector::store::{HistoryRows, Value};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::CliError;

const SIZE: (u32, u32) = (1000, 500);

const FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

/// One line: a column's name and its (seconds since the epoch, value) points.
type Series = (String, Vec<(f64, f64)>);

/// The numeric columns of `rows` other than `timestamp`, as series over time.
fn series(rows: &HistoryRows) -> Result<Vec<Series>, CliError> {
    let t = rows
        .columns
        .iter()
        .position(|c| c == "timestamp")
        .ok_or_else(|| CliError::Usage("--plot needs the timestamp field".into()))?;
    let out: Vec<Series> = rows
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != t)
        .filter_map(|(i, name)| {
            let points: Vec<(f64, f64)> = rows
                .rows
                .iter()
                .filter_map(|r| match (&r[t], r[i].as_f64()) {
                    (Value::Integer(ms), Some(v)) if v.is_finite() => Some((*ms as f64 / 1e3, v)),
                    _ => None,
                })
                .collect();
            (!points.is_empty()).then(|| (name.clone(), points))
        })
        .collect();
    if out.is_empty() {
        return Err(CliError::Usage(
            "--plot: none of the fields chosen has numbers to plot".into(),
        ));
    }
    Ok(out)
}

/// Writes the plot of `rows` to `path` (`.svg` or `.png`).
pub(crate) fn plot(path: &Path, title: &str, rows: &HistoryRows) -> Result<(), CliError> {
    let series = series(rows)?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let drawn = match extension.as_deref() {
        Some("svg") => {
            load_font()?;
            draw(
                SVGBackend::new(path, SIZE).into_drawing_area(),
                title,
                &series,
            )
        }
        Some("png") => {
            load_font()?;
            draw(
                BitMapBackend::new(path, SIZE).into_drawing_area(),
                title,
                &series,
            )
        }
        _ => {
            return Err(CliError::Usage(format!(
                "--plot {}: the file must end in .svg or .png",
                path.display()
            )))
        }
    };
    drawn.map_err(|e| CliError::NotDone(format!("--plot {}: {e}", path.display())))
}

/// Registers a TrueType font for the plot's text, once.
fn load_font() -> Result<(), CliError> {
    static LOADED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    LOADED
        .get_or_init(|| {
            let candidates = std::env::var("ORB_PLOT_FONT")
                .ok()
                .into_iter()
                .chain(FONTS.iter().map(|f| (*f).to_owned()));
            for candidate in candidates {
                if let Ok(bytes) = std::fs::read(&candidate) {
                    // Registered fonts live as long as the program.
                    let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                    if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                        .is_ok()
                    {
                        return Ok(());
                    }
                }
            }
            Err("a plot needs a TrueType font and none was found: install fonts-dejavu-core (Debian, Ubuntu) or set ORB_PLOT_FONT to a .ttf file".into())
        })
        .clone()
        .map_err(CliError::NotDone)
}

/// UTC time of `secs` for an axis: `HH:MM:SS` within a day's span, else `MM-DD HH:MM`.
fn time_label(secs: f64, span: f64) -> String {
    let t = UNIX_EPOCH + Duration::from_secs_f64(secs.max(0.0));
    let text = humantime::format_rfc3339_seconds(t).to_string();
    // 2026-12-07T10:00:00Z
    if span < 86_400.0 {
        text.get(11..19).unwrap_or(&text).to_owned()
    } else {
        format!(
            "{} {}",
            text.get(5..10).unwrap_or(""),
            text.get(11..16).unwrap_or("")
        )
    }
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    series: &[Series],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let points = series.iter().flat_map(|(_, p)| p.iter());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in points {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0).abs() * 0.05).max(1e-9);
    let (y0, y1) = (y0 - pad, y1 + pad);
    let span = x1 - x0;
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .margin_right(36)
        .x_label_area_size(32)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("time (UTC)")
        .x_labels(6)
        .x_label_formatter(&|x| time_label(*x, span))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (name, points)) in series.iter().enumerate() {
        let colour = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                colour.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_labels_fit_the_span() {
        assert_eq!(time_label(1_756_935_043.0, 600.0), "21:30:43");
        assert_eq!(time_label(1_756_935_043.0, 3.0 * 86_400.0), "09-03 21:30");
    }
}

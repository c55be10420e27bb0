//! The tables: one row per figure, with its comparison, the ratio between them and whether the
//! issue's target is met, printed as Markdown so that BENCHMARKS.md can take them as they are.

/// The median; of an even count, the mean of the middle two.
pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    }
}

/// One figure of a table, with what it is compared against.
pub struct Row {
    /// Throughput rows: more is better; time and memory rows: less is better.
    pub higher_is_better: bool,
    pub what: String,
    pub ours: f64,
    pub other: Option<f64>,
    pub unit: &'static str,
    pub target: String,
    pub met: Option<bool>,
    /// The advantage when it is not `other` ÷ `ours` (or the inverse), e.g. a median of paired
    /// ratios.
    pub advantage: Option<f64>,
}

/// Prints a section's table under its title; a row without a comparison shows dashes.
pub fn print_rows(title: &str, rows: &[Row]) {
    println!("\n{title}");
    println!(
        "| measurement | orb-cloud | comparison | orb-cloud advantage | target | met |\n|---|---|---|---|---|---|"
    );
    for r in rows {
        let (other, ratio) = match r.other {
            Some(o) => {
                let ratio = match r.advantage {
                    Some(advantage) => advantage,
                    None if r.higher_is_better => r.ours / o,
                    None => o / r.ours,
                };
                (format!("{o:.3} {}", r.unit), format!("{ratio:.2}x"))
            }
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {} | {:.3} {} | {other} | {ratio} | {} | {} |",
            r.what,
            r.ours,
            r.unit,
            r.target,
            match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "-",
            }
        );
    }
}

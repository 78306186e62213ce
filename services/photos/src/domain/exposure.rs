//! How a photo was exposed, as a photographer reads it: `1/250 s`, `ƒ/1.8`, `ISO 50`,
//! `6.86 mm (26 mm in 35 mm terms)`. Made from what the database keeps (see the migration
//! `0005_viewer.sql`).

/// The exposure fields of an item, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExposureFacts {
    /// Seconds as a fraction: `1/250`, `2`, `13/10`.
    pub exposure_time: Option<String>,
    pub f_number_hundredths: Option<i64>,
    pub iso: Option<i64>,
    pub focal_length_hundredths: Option<i64>,
    pub focal_length_35mm: Option<i64>,
}

impl ExposureFacts {
    /// `1/250 s`, `2 s`, `0.3 s`; `None` when unknown or not a fraction of seconds.
    #[must_use]
    pub fn shutter(&self) -> Option<String> {
        let raw = self.exposure_time.as_deref()?;
        let (num, denom) = match raw.split_once('/') {
            Some((num, denom)) => (num.parse::<u64>().ok()?, denom.parse::<u64>().ok()?),
            None => (raw.parse::<u64>().ok()?, 1),
        };
        if num == 0 || denom == 0 {
            return None;
        }
        if num.saturating_mul(4) >= denom {
            return Some(format!("{} s", decimal(num as f64 / denom as f64)));
        }
        let per_second = (denom as f64 / num as f64).round();
        Some(format!("1/{per_second} s"))
    }

    /// `ƒ/1.8`, `ƒ/2`, `ƒ/11`.
    #[must_use]
    pub fn aperture(&self) -> Option<String> {
        self.f_number_hundredths.filter(|n| *n > 0).map(|n| format!("ƒ/{}", decimal(n as f64 / 100.0)))
    }

    /// `ISO 50`.
    #[must_use]
    pub fn iso(&self) -> Option<String> {
        self.iso.filter(|iso| *iso > 0).map(|iso| format!("ISO {iso}"))
    }

    /// `6.86 mm (26 mm in 35 mm terms)`, `50 mm`; the 35 mm figure alone when that is all.
    #[must_use]
    pub fn focal_length(&self) -> Option<String> {
        let actual = self.focal_length_hundredths.filter(|mm| *mm > 0).map(|mm| decimal_places(mm as f64 / 100.0, 2));
        let equivalent = self.focal_length_35mm.filter(|mm| *mm > 0);
        match (actual, equivalent) {
            (Some(actual), Some(equivalent)) if actual != equivalent.to_string() => {
                Some(format!("{actual} mm ({equivalent} mm in 35 mm terms)"))
            }
            (Some(actual), _) => Some(format!("{actual} mm")),
            (None, Some(equivalent)) => Some(format!("{equivalent} mm in 35 mm terms")),
            (None, None) => None,
        }
    }

    /// The settings that are known, in the order photographers say them: shutter, aperture,
    /// ISO, focal length.
    #[must_use]
    pub fn summary(&self) -> Vec<String> {
        [self.shutter(), self.aperture(), self.iso(), self.focal_length()].into_iter().flatten().collect()
    }
}

/// A number with at most one decimal, without a trailing `.0`: `1.8`, `2`, `0.3`.
fn decimal(value: f64) -> String {
    decimal_places(value, 1)
}

/// A number with at most `places` decimals, without trailing zeros.
fn decimal_places(value: f64, places: usize) -> String {
    let shown = format!("{value:.places$}");
    if shown.contains('.') { shown.trim_end_matches('0').trim_end_matches('.').to_owned() } else { shown }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(exposure: &str, f: i64, iso: i64, focal: i64, equivalent: i64) -> ExposureFacts {
        ExposureFacts {
            exposure_time: Some(exposure.to_owned()),
            f_number_hundredths: Some(f),
            iso: Some(iso),
            focal_length_hundredths: Some(focal),
            focal_length_35mm: Some(equivalent),
        }
    }

    #[test]
    fn a_phone_photo_reads_as_a_photographer_says_it() {
        assert_eq!(
            facts("1/120", 180, 50, 686, 26).summary(),
            ["1/120 s", "ƒ/1.8", "ISO 50", "6.86 mm (26 mm in 35 mm terms)"]
        );
        assert_eq!(facts("1/250", 400, 100, 5000, 50).summary(), ["1/250 s", "ƒ/4", "ISO 100", "50 mm"]);
    }

    #[test]
    fn long_and_odd_exposures() {
        let shutter = |raw: &str| ExposureFacts { exposure_time: Some(raw.to_owned()), ..Default::default() }.shutter();
        assert_eq!(shutter("30").as_deref(), Some("30 s"));
        assert_eq!(shutter("13/10").as_deref(), Some("1.3 s"));
        assert_eq!(shutter("3/10").as_deref(), Some("0.3 s"));
        assert_eq!(shutter("10/2501").as_deref(), Some("1/250 s"));
        assert_eq!(shutter("0/1"), None);
        assert_eq!(shutter("1/0"), None);
        assert_eq!(shutter("soon"), None);
    }

    #[test]
    fn nothing_known_is_nothing_shown() {
        assert!(ExposureFacts::default().summary().is_empty());
        let only_equivalent = ExposureFacts { focal_length_35mm: Some(28), ..Default::default() };
        assert_eq!(only_equivalent.focal_length().as_deref(), Some("28 mm in 35 mm terms"));
    }
}

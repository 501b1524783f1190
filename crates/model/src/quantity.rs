//! Reads Kubernetes resource quantities (`250m`, `1.5Gi`, `2e3`) as numbers, so they sort by size.

/// The value of a quantity in its base unit (cores, bytes, …), or `None` when it is not one.
///
/// Follows the grammar of `resource.Quantity`: a signed decimal number followed by a binary
/// suffix (`Ki`…`Ei`), a decimal suffix (`n`, `u`, `m`, `k`, `M`…`E`) or a decimal exponent.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    if number.is_empty() || number == "+" || number == "-" {
        return None;
    }
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        exponent => {
            let digits = exponent
                .strip_prefix('e')
                .or_else(|| exponent.strip_prefix('E'))?;
            10f64.powi(digits.parse().ok()?)
        }
    };
    Some(number * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_read_in_their_base_unit() {
        let cases = [
            ("whole cores", "4", Some(4.0)),
            ("millicores", "250m", Some(0.25)),
            ("binary suffix", "1Gi", Some(1_073_741_824.0)),
            ("fractional binary suffix", "1.5Ki", Some(1536.0)),
            ("decimal suffix", "2k", Some(2000.0)),
            ("exponent", "2e3", Some(2000.0)),
            ("nanocores", "5n", Some(5e-9)),
            ("an unknown suffix is not a quantity", "3Qi", None),
            ("text is not a quantity", "lots", None),
            ("empty text is not a quantity", "", None),
        ];
        for (name, text, expected) in cases {
            let got = parse(text);
            match (got, expected) {
                (Some(got), Some(expected)) => {
                    assert!(
                        (got - expected).abs() < expected.abs() * 1e-9,
                        "{name}: {got}"
                    )
                }
                _ => assert_eq!(got, expected, "{name}"),
            }
        }
    }
}

//! The languages of the UI and the choice of one from a request's Accept-Language.

use std::str::FromStr;

/// A language the web app has a catalogue for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];

    /// The BCP 47 tag the web app uses (`en`, `zh-CN`).
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// The locale serving a language range from Accept-Language, if any.
    ///
    /// `zh`, `zh-CN`, `zh-SG` and `zh-Hans…` read Simplified Chinese; `zh-TW`, `zh-HK` and
    /// `zh-Hant…` are Traditional, which we have no catalogue for, so they match nothing.
    fn for_range(range: &str) -> Option<Locale> {
        let range = range.to_ascii_lowercase();
        let mut subtags = range.split(['-', '_']);
        match subtags.next()? {
            "en" => Some(Locale::En),
            "zh" => match subtags.next() {
                None | Some("cn" | "sg" | "hans") => Some(Locale::ZhCn),
                _ => None,
            },
            _ => None,
        }
    }
}

impl FromStr for Locale {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Locale::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown locale {s:?}; expected one of: en, zh-CN"))
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Picks the locale from an Accept-Language header by quality (`q`), earliest first among equals;
/// `*` and a missing or unmatched header give `default`.
pub fn negotiate(accept_language: Option<&str>, default: Locale) -> Locale {
    let Some(header) = accept_language else {
        return default;
    };
    let mut ranges: Vec<(f32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(index, item)| {
            let mut parts = item.split(';').map(str::trim);
            let range = parts.next().filter(|r| !r.is_empty())?;
            let quality = parts
                .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .map_or(Some(1.0), |q| q.parse::<f32>().ok())?;
            (quality > 0.0).then_some((quality, index, range))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges
        .into_iter()
        .find_map(|(_, _, range)| {
            if range == "*" {
                Some(default)
            } else {
                Locale::for_range(range)
            }
        })
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_accept_language() {
        let cases = [
            ("no header gives the default", None, Locale::En, Locale::En),
            (
                "no header gives a Chinese default",
                None,
                Locale::ZhCn,
                Locale::ZhCn,
            ),
            (
                "Chinese from China is Simplified Chinese",
                Some("zh-CN,zh;q=0.9,en;q=0.8"),
                Locale::En,
                Locale::ZhCn,
            ),
            (
                "plain zh is Simplified Chinese",
                Some("zh"),
                Locale::En,
                Locale::ZhCn,
            ),
            (
                "zh-Hans is Simplified Chinese",
                Some("zh-Hans-CN"),
                Locale::En,
                Locale::ZhCn,
            ),
            (
                "English from anywhere is English",
                Some("en-GB"),
                Locale::ZhCn,
                Locale::En,
            ),
            (
                "the higher quality wins whatever the order",
                Some("en;q=0.5, zh-CN;q=0.8"),
                Locale::En,
                Locale::ZhCn,
            ),
            (
                "the first wins among equal qualities",
                Some("en, zh-CN"),
                Locale::ZhCn,
                Locale::En,
            ),
            (
                "unknown languages fall through to the next",
                Some("fr-FR, de;q=0.9, zh;q=0.1"),
                Locale::En,
                Locale::ZhCn,
            ),
            (
                "only unknown languages give the default",
                Some("fr, de"),
                Locale::ZhCn,
                Locale::ZhCn,
            ),
            (
                "q=0 means not acceptable",
                Some("zh-CN;q=0, en;q=0.1"),
                Locale::ZhCn,
                Locale::En,
            ),
            (
                "Traditional Chinese is not taken for Simplified",
                Some("zh-TW, en;q=0.5"),
                Locale::ZhCn,
                Locale::En,
            ),
            (
                "a wildcard gives the default",
                Some("fr, *;q=0.5"),
                Locale::ZhCn,
                Locale::ZhCn,
            ),
            (
                "garbage gives the default",
                Some(";;,,q=x"),
                Locale::En,
                Locale::En,
            ),
            (
                "tags are case-insensitive",
                Some("ZH-cn"),
                Locale::En,
                Locale::ZhCn,
            ),
        ];
        for (name, header, default, expected) in cases {
            assert_eq!(negotiate(header, default), expected, "{name}");
        }
    }

    #[test]
    fn locales_parse_from_their_tags() {
        assert_eq!("zh-CN".parse::<Locale>(), Ok(Locale::ZhCn));
        assert_eq!("en".parse::<Locale>(), Ok(Locale::En));
        assert!("fr".parse::<Locale>().is_err());
    }
}

//! Dates in words as Kazakh and Russian acts write them (language.md). Typst would print
//! English month names, so dates are preformatted here.

use time::{Date, Month};

use super::Lang;

/// Grammatical form of a month name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthForm {
    Nominative,
    /// kk «сәуірдегі» (in act citations); ru: the genitive.
    Attributive,
    /// kk «сәуірде» (events); ru: the genitive.
    Locative,
    /// ru «апреля»; kk: the nominative.
    Genitive,
}

const KK: [[&str; 3]; 12] = [
    ["қаңтар", "қаңтардағы", "қаңтарда"],
    ["ақпан", "ақпандағы", "ақпанда"],
    ["наурыз", "наурыздағы", "наурызда"],
    ["сәуір", "сәуірдегі", "сәуірде"],
    ["мамыр", "мамырдағы", "мамырда"],
    ["маусым", "маусымдағы", "маусымда"],
    ["шілде", "шілдедегі", "шілдеде"],
    ["тамыз", "тамыздағы", "тамызда"],
    ["қыркүйек", "қыркүйектегі", "қыркүйекте"],
    ["қазан", "қазандағы", "қазанда"],
    ["қараша", "қарашадағы", "қарашада"],
    ["желтоқсан", "желтоқсандағы", "желтоқсанда"],
];

const RU: [[&str; 2]; 12] = [
    ["январь", "января"],
    ["февраль", "февраля"],
    ["март", "марта"],
    ["апрель", "апреля"],
    ["май", "мая"],
    ["июнь", "июня"],
    ["июль", "июля"],
    ["август", "августа"],
    ["сентябрь", "сентября"],
    ["октябрь", "октября"],
    ["ноябрь", "ноября"],
    ["декабрь", "декабря"],
];

/// A month name in the form a date needs. ru Nominative is «апрель»; every other ru form is
/// the genitive «апреля» used after a day number. kk Genitive is the nominative (kk dates
/// do not use a genitive month).
pub fn month_name(month: Month, lang: Lang, form: MonthForm) -> &'static str {
    let i = usize::from(u8::from(month)) - 1;
    match lang {
        Lang::Kk => {
            KK[i][match form {
                MonthForm::Nominative | MonthForm::Genitive => 0,
                MonthForm::Attributive => 1,
                MonthForm::Locative => 2,
            }]
        }
        Lang::Ru => {
            RU[i][match form {
                MonthForm::Nominative => 0,
                _ => 1,
            }]
        }
    }
}

/// ru: day, genitive month, year «года»; kk: year «жылғы», day, month in `kk_form`.
fn words(date: Date, lang: Lang, kk_form: MonthForm) -> String {
    match lang {
        Lang::Kk => format!(
            "{} жылғы {} {}",
            date.year(),
            date.day(),
            month_name(date.month(), lang, kk_form)
        ),
        Lang::Ru => format!(
            "{} {} {} года",
            date.day(),
            month_name(date.month(), lang, MonthForm::Genitive),
            date.year()
        ),
    }
}

/// As cited in an act: ru «8 апреля 2015 года», kk «2015 жылғы 8 сәуірдегі».
pub fn act_date(date: Date, lang: Lang) -> String {
    words(date, lang, MonthForm::Attributive)
}

/// An event: ru «22 июня 2020 года», kk «2020 жылғы 22 маусымда».
pub fn event_date(date: Date, lang: Lang) -> String {
    words(date, lang, MonthForm::Locative)
}

/// A date line on its own: ru «22 июня 2020 года», kk «2020 жылғы 22 маусым».
pub fn long_date(date: Date, lang: Lang) -> String {
    words(date, lang, MonthForm::Nominative)
}

/// «08.04.2015», the same in both languages.
pub fn numeric_date(date: Date) -> String {
    format!(
        "{:02}.{:02}.{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn table() {
        type Format = fn(Date, Lang) -> String;
        let cases: &[(Date, Lang, Format, &str)] = &[
            (
                date!(2015 - 04 - 08),
                Lang::Ru,
                act_date,
                "8 апреля 2015 года",
            ),
            (
                date!(2015 - 04 - 08),
                Lang::Kk,
                act_date,
                "2015 жылғы 8 сәуірдегі",
            ),
            (
                date!(2020 - 06 - 22),
                Lang::Ru,
                event_date,
                "22 июня 2020 года",
            ),
            (
                date!(2020 - 06 - 22),
                Lang::Kk,
                event_date,
                "2020 жылғы 22 маусымда",
            ),
            (
                date!(2020 - 06 - 22),
                Lang::Kk,
                long_date,
                "2020 жылғы 22 маусым",
            ),
            (
                date!(2003 - 01 - 07),
                Lang::Kk,
                act_date,
                "2003 жылғы 7 қаңтардағы",
            ),
            (
                date!(2003 - 01 - 07),
                Lang::Ru,
                act_date,
                "7 января 2003 года",
            ),
            (
                date!(2016 - 01 - 22),
                Lang::Kk,
                act_date,
                "2016 жылғы 22 қаңтардағы",
            ),
            (
                date!(2013 - 04 - 15),
                Lang::Kk,
                act_date,
                "2013 жылғы 15 сәуірдегі",
            ),
            (
                date!(2024 - 02 - 29),
                Lang::Ru,
                long_date,
                "29 февраля 2024 года",
            ),
            (
                date!(2024 - 02 - 29),
                Lang::Kk,
                event_date,
                "2024 жылғы 29 ақпанда",
            ),
            (
                date!(2026 - 03 - 01),
                Lang::Kk,
                act_date,
                "2026 жылғы 1 наурыздағы",
            ),
            (
                date!(2026 - 03 - 01),
                Lang::Ru,
                event_date,
                "1 марта 2026 года",
            ),
            (
                date!(2026 - 05 - 09),
                Lang::Kk,
                event_date,
                "2026 жылғы 9 мамырда",
            ),
            (date!(2026 - 05 - 09), Lang::Ru, act_date, "9 мая 2026 года"),
            (
                date!(2025 - 07 - 06),
                Lang::Kk,
                act_date,
                "2025 жылғы 6 шілдедегі",
            ),
            (
                date!(2025 - 07 - 06),
                Lang::Kk,
                event_date,
                "2025 жылғы 6 шілдеде",
            ),
            (
                date!(2025 - 07 - 06),
                Lang::Ru,
                long_date,
                "6 июля 2025 года",
            ),
            (
                date!(2025 - 08 - 30),
                Lang::Kk,
                act_date,
                "2025 жылғы 30 тамыздағы",
            ),
            (
                date!(2025 - 08 - 30),
                Lang::Ru,
                act_date,
                "30 августа 2025 года",
            ),
            (
                date!(2025 - 09 - 01),
                Lang::Kk,
                event_date,
                "2025 жылғы 1 қыркүйекте",
            ),
            (
                date!(2025 - 09 - 01),
                Lang::Kk,
                act_date,
                "2025 жылғы 1 қыркүйектегі",
            ),
            (
                date!(2025 - 09 - 01),
                Lang::Ru,
                act_date,
                "1 сентября 2025 года",
            ),
            (
                date!(2025 - 10 - 25),
                Lang::Kk,
                event_date,
                "2025 жылғы 25 қазанда",
            ),
            (
                date!(2025 - 10 - 25),
                Lang::Ru,
                act_date,
                "25 октября 2025 года",
            ),
            (
                date!(2023 - 10 - 18),
                Lang::Kk,
                act_date,
                "2023 жылғы 18 қазандағы",
            ),
            (
                date!(2025 - 11 - 03),
                Lang::Kk,
                act_date,
                "2025 жылғы 3 қарашадағы",
            ),
            (
                date!(2025 - 11 - 03),
                Lang::Kk,
                event_date,
                "2025 жылғы 3 қарашада",
            ),
            (
                date!(2025 - 11 - 03),
                Lang::Ru,
                long_date,
                "3 ноября 2025 года",
            ),
            (
                date!(2025 - 12 - 16),
                Lang::Kk,
                act_date,
                "2025 жылғы 16 желтоқсандағы",
            ),
            (
                date!(2025 - 12 - 16),
                Lang::Kk,
                event_date,
                "2025 жылғы 16 желтоқсанда",
            ),
            (
                date!(2025 - 12 - 16),
                Lang::Ru,
                act_date,
                "16 декабря 2025 года",
            ),
            (
                date!(2025 - 02 - 01),
                Lang::Kk,
                act_date,
                "2025 жылғы 1 ақпандағы",
            ),
            (
                date!(2025 - 06 - 01),
                Lang::Kk,
                event_date,
                "2025 жылғы 1 маусымда",
            ),
            (
                date!(2001 - 12 - 13),
                Lang::Ru,
                act_date,
                "13 декабря 2001 года",
            ),
        ];
        assert!(cases.len() >= 30);
        for (d, lang, f, expected) in cases {
            assert_eq!(f(*d, *lang), *expected, "{d} {lang:?}");
        }
    }

    #[test]
    fn numeric_and_names() {
        assert_eq!(numeric_date(date!(2015 - 04 - 08)), "08.04.2015");
        assert_eq!(numeric_date(date!(2026 - 12 - 31)), "31.12.2026");
        assert_eq!(
            month_name(Month::April, Lang::Ru, MonthForm::Nominative),
            "апрель"
        );
        assert_eq!(
            month_name(Month::April, Lang::Kk, MonthForm::Genitive),
            "сәуір"
        );
        assert_eq!(numeric_date(date!(2024 - 02 - 29)), "29.02.2024");
        assert_eq!(numeric_date(date!(2000 - 01 - 01)), "01.01.2000");
        assert_eq!(numeric_date(date!(0999 - 10 - 05)), "05.10.0999");
    }

    #[test]
    fn every_month_every_form() {
        let kk = [
            "қаңтар",
            "ақпан",
            "наурыз",
            "сәуір",
            "мамыр",
            "маусым",
            "шілде",
            "тамыз",
            "қыркүйек",
            "қазан",
            "қараша",
            "желтоқсан",
        ];
        let ru_nom = [
            "январь",
            "февраль",
            "март",
            "апрель",
            "май",
            "июнь",
            "июль",
            "август",
            "сентябрь",
            "октябрь",
            "ноябрь",
            "декабрь",
        ];
        let ru_gen = [
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ];
        let mut month = Month::January;
        for i in 0..12 {
            let d = Date::from_calendar_date(2025, month, 5).unwrap();
            // The attributive is the locative plus -ғы/-гі (by vowel harmony).
            let attr = month_name(month, Lang::Kk, MonthForm::Attributive);
            let loc = month_name(month, Lang::Kk, MonthForm::Locative);
            assert_eq!(month_name(month, Lang::Kk, MonthForm::Nominative), kk[i]);
            assert_eq!(month_name(month, Lang::Kk, MonthForm::Genitive), kk[i]);
            assert!(
                loc.starts_with(kk[i])
                    && attr
                        == format!("{loc}гі")
                            .replace("дагі", "дағы")
                            .replace("тагі", "тағы")
            );
            assert_eq!(
                month_name(month, Lang::Ru, MonthForm::Nominative),
                ru_nom[i]
            );
            for form in [
                MonthForm::Genitive,
                MonthForm::Attributive,
                MonthForm::Locative,
            ] {
                assert_eq!(month_name(month, Lang::Ru, form), ru_gen[i]);
            }
            assert_eq!(act_date(d, Lang::Kk), format!("2025 жылғы 5 {attr}"));
            assert_eq!(event_date(d, Lang::Kk), format!("2025 жылғы 5 {loc}"));
            assert_eq!(long_date(d, Lang::Kk), format!("2025 жылғы 5 {}", kk[i]));
            let ru = format!("5 {} 2025 года", ru_gen[i]);
            assert_eq!(act_date(d, Lang::Ru), ru);
            assert_eq!(event_date(d, Lang::Ru), ru);
            assert_eq!(long_date(d, Lang::Ru), ru);
            assert_eq!(numeric_date(d), format!("05.{:02}.2025", i + 1));
            month = month.next();
        }
    }
}

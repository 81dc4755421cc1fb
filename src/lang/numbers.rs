//! Numbers in words (language.md): Kazakh, where the word never inflects, and Russian,
//! where the numeral agrees in case (and in gender for 1 and 2) with the counted noun.

use super::Lang;

/// Russian grammatical case. The accusative is that of inanimate nouns: the nominative,
/// except the feminine «одну», «тысячу».
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Nominative,
    Genitive,
    Dative,
    Accusative,
    Instrumental,
    Prepositional,
}

impl Case {
    fn index(self) -> usize {
        self as usize
    }
}

/// Grammatical gender of the counted noun: picks один/одна/одно and два/две.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gender {
    Masculine,
    Feminine,
    Neuter,
}

/// Russian plural category of a count: 1 день, 2 дня, 5 дней.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuPlural {
    One,
    Few,
    Many,
}

/// The plural category by the last two digits: 1, 21, 101 → One; 2–4, 22 → Few; the rest,
/// including 11–14, → Many.
pub fn ru_plural(n: u64) -> RuPlural {
    let (d, dd) = (n % 10, n % 100);
    if (11..=14).contains(&dd) {
        RuPlural::Many
    } else if d == 1 {
        RuPlural::One
    } else if (2..=4).contains(&d) {
        RuPlural::Few
    } else {
        RuPlural::Many
    }
}

const KK_UNITS: [&str; 10] = [
    "",
    "бір",
    "екі",
    "үш",
    "төрт",
    "бес",
    "алты",
    "жеті",
    "сегіз",
    "тоғыз",
];
const KK_TENS: [&str; 10] = [
    "",
    "он",
    "жиырма",
    "отыз",
    "қырық",
    "елу",
    "алпыс",
    "жетпіс",
    "сексен",
    "тоқсан",
];
const KK_SCALES: [&str; 7] = [
    "",
    "мың",
    "миллион",
    "миллиард",
    "триллион",
    "квадриллион",
    "квинтиллион",
];

fn kk_below_thousand(n: u64, out: &mut Vec<&'static str>) {
    let (h, t, u) = (
        (n / 100) as usize,
        ((n / 10) % 10) as usize,
        (n % 10) as usize,
    );
    if h > 0 {
        if h > 1 {
            out.push(KK_UNITS[h]);
        }
        out.push("жүз");
    }
    if t > 0 {
        out.push(KK_TENS[t]);
    }
    if u > 0 {
        out.push(KK_UNITS[u]);
    }
}

/// Kazakh cardinal in words, compounds as separate words: 15 «он бес», 100 «жүз»,
/// 1000 «бір мың», 2026 «екі мың жиырма алты». Covers all of `u64`.
pub fn kk_words(n: u64) -> String {
    if n == 0 {
        return "нөл".into();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut out = Vec::new();
    for (scale, &g) in groups.iter().enumerate().rev() {
        if g == 0 {
            continue;
        }
        kk_below_thousand(g, &mut out);
        if scale > 0 {
            out.push(KK_SCALES[scale]);
        }
    }
    out.join(" ")
}

/// «15 (он бес) жұмыс күні»: the noun stays singular after a number.
pub fn kk_counted(n: u64, noun: &str) -> String {
    format!("{n} ({}) {noun}", kk_words(n))
}

// Russian numerals by case: nominative, genitive, dative, accusative, instrumental, prepositional.
type Forms = [&'static str; 6];

const RU_ONE: [Forms; 3] = [
    ["один", "одного", "одному", "один", "одним", "одном"],
    ["одна", "одной", "одной", "одну", "одной", "одной"],
    ["одно", "одного", "одному", "одно", "одним", "одном"],
];
const RU_TWO_FEM: Forms = ["две", "двух", "двум", "две", "двумя", "двух"];
const RU_UNITS: [Forms; 10] = [
    ["", "", "", "", "", ""],
    ["", "", "", "", "", ""],
    ["два", "двух", "двум", "два", "двумя", "двух"],
    ["три", "трёх", "трём", "три", "тремя", "трёх"],
    [
        "четыре",
        "четырёх",
        "четырём",
        "четыре",
        "четырьмя",
        "четырёх",
    ],
    ["пять", "пяти", "пяти", "пять", "пятью", "пяти"],
    ["шесть", "шести", "шести", "шесть", "шестью", "шести"],
    ["семь", "семи", "семи", "семь", "семью", "семи"],
    ["восемь", "восьми", "восьми", "восемь", "восемью", "восьми"],
    ["девять", "девяти", "девяти", "девять", "девятью", "девяти"],
];
const RU_TEENS: [Forms; 10] = [
    ["десять", "десяти", "десяти", "десять", "десятью", "десяти"],
    [
        "одиннадцать",
        "одиннадцати",
        "одиннадцати",
        "одиннадцать",
        "одиннадцатью",
        "одиннадцати",
    ],
    [
        "двенадцать",
        "двенадцати",
        "двенадцати",
        "двенадцать",
        "двенадцатью",
        "двенадцати",
    ],
    [
        "тринадцать",
        "тринадцати",
        "тринадцати",
        "тринадцать",
        "тринадцатью",
        "тринадцати",
    ],
    [
        "четырнадцать",
        "четырнадцати",
        "четырнадцати",
        "четырнадцать",
        "четырнадцатью",
        "четырнадцати",
    ],
    [
        "пятнадцать",
        "пятнадцати",
        "пятнадцати",
        "пятнадцать",
        "пятнадцатью",
        "пятнадцати",
    ],
    [
        "шестнадцать",
        "шестнадцати",
        "шестнадцати",
        "шестнадцать",
        "шестнадцатью",
        "шестнадцати",
    ],
    [
        "семнадцать",
        "семнадцати",
        "семнадцати",
        "семнадцать",
        "семнадцатью",
        "семнадцати",
    ],
    [
        "восемнадцать",
        "восемнадцати",
        "восемнадцати",
        "восемнадцать",
        "восемнадцатью",
        "восемнадцати",
    ],
    [
        "девятнадцать",
        "девятнадцати",
        "девятнадцати",
        "девятнадцать",
        "девятнадцатью",
        "девятнадцати",
    ],
];
const RU_TENS: [Forms; 10] = [
    ["", "", "", "", "", ""],
    ["", "", "", "", "", ""],
    [
        "двадцать",
        "двадцати",
        "двадцати",
        "двадцать",
        "двадцатью",
        "двадцати",
    ],
    [
        "тридцать",
        "тридцати",
        "тридцати",
        "тридцать",
        "тридцатью",
        "тридцати",
    ],
    ["сорок", "сорока", "сорока", "сорок", "сорока", "сорока"],
    [
        "пятьдесят",
        "пятидесяти",
        "пятидесяти",
        "пятьдесят",
        "пятьюдесятью",
        "пятидесяти",
    ],
    [
        "шестьдесят",
        "шестидесяти",
        "шестидесяти",
        "шестьдесят",
        "шестьюдесятью",
        "шестидесяти",
    ],
    [
        "семьдесят",
        "семидесяти",
        "семидесяти",
        "семьдесят",
        "семьюдесятью",
        "семидесяти",
    ],
    [
        "восемьдесят",
        "восьмидесяти",
        "восьмидесяти",
        "восемьдесят",
        "восемьюдесятью",
        "восьмидесяти",
    ],
    [
        "девяносто",
        "девяноста",
        "девяноста",
        "девяносто",
        "девяноста",
        "девяноста",
    ],
];
const RU_HUNDREDS: [Forms; 10] = [
    ["", "", "", "", "", ""],
    ["сто", "ста", "ста", "сто", "ста", "ста"],
    [
        "двести",
        "двухсот",
        "двумстам",
        "двести",
        "двумястами",
        "двухстах",
    ],
    [
        "триста",
        "трёхсот",
        "трёмстам",
        "триста",
        "тремястами",
        "трёхстах",
    ],
    [
        "четыреста",
        "четырёхсот",
        "четырёмстам",
        "четыреста",
        "четырьмястами",
        "четырёхстах",
    ],
    [
        "пятьсот",
        "пятисот",
        "пятистам",
        "пятьсот",
        "пятьюстами",
        "пятистах",
    ],
    [
        "шестьсот",
        "шестисот",
        "шестистам",
        "шестьсот",
        "шестьюстами",
        "шестистах",
    ],
    [
        "семьсот",
        "семисот",
        "семистам",
        "семьсот",
        "семьюстами",
        "семистах",
    ],
    [
        "восемьсот",
        "восьмисот",
        "восьмистам",
        "восемьсот",
        "восемьюстами",
        "восьмистах",
    ],
    [
        "девятьсот",
        "девятисот",
        "девятистам",
        "девятьсот",
        "девятьюстами",
        "девятистах",
    ],
];

/// A scale noun (тысяча, миллион…): its gender, its singular by case, the nominative after
/// 2–4, and its plural by case.
struct Scale {
    gender: Gender,
    one: Forms,
    few_nominative: &'static str,
    plural: Forms,
}

const RU_SCALES: [Scale; 6] = [
    Scale {
        gender: Gender::Feminine,
        one: ["тысяча", "тысячи", "тысяче", "тысячу", "тысячей", "тысяче"],
        few_nominative: "тысячи",
        plural: ["тысяч", "тысяч", "тысячам", "тысяч", "тысячами", "тысячах"],
    },
    Scale {
        gender: Gender::Masculine,
        one: [
            "миллион",
            "миллиона",
            "миллиону",
            "миллион",
            "миллионом",
            "миллионе",
        ],
        few_nominative: "миллиона",
        plural: [
            "миллионов",
            "миллионов",
            "миллионам",
            "миллионов",
            "миллионами",
            "миллионах",
        ],
    },
    Scale {
        gender: Gender::Masculine,
        one: [
            "миллиард",
            "миллиарда",
            "миллиарду",
            "миллиард",
            "миллиардом",
            "миллиарде",
        ],
        few_nominative: "миллиарда",
        plural: [
            "миллиардов",
            "миллиардов",
            "миллиардам",
            "миллиардов",
            "миллиардами",
            "миллиардах",
        ],
    },
    Scale {
        gender: Gender::Masculine,
        one: [
            "триллион",
            "триллиона",
            "триллиону",
            "триллион",
            "триллионом",
            "триллионе",
        ],
        few_nominative: "триллиона",
        plural: [
            "триллионов",
            "триллионов",
            "триллионам",
            "триллионов",
            "триллионами",
            "триллионах",
        ],
    },
    Scale {
        gender: Gender::Masculine,
        one: [
            "квадриллион",
            "квадриллиона",
            "квадриллиону",
            "квадриллион",
            "квадриллионом",
            "квадриллионе",
        ],
        few_nominative: "квадриллиона",
        plural: [
            "квадриллионов",
            "квадриллионов",
            "квадриллионам",
            "квадриллионов",
            "квадриллионами",
            "квадриллионах",
        ],
    },
    Scale {
        gender: Gender::Masculine,
        one: [
            "квинтиллион",
            "квинтиллиона",
            "квинтиллиону",
            "квинтиллион",
            "квинтиллионом",
            "квинтиллионе",
        ],
        few_nominative: "квинтиллиона",
        plural: [
            "квинтиллионов",
            "квинтиллионов",
            "квинтиллионам",
            "квинтиллионов",
            "квинтиллионами",
            "квинтиллионах",
        ],
    },
];

fn ru_below_thousand(n: u64, case: Case, gender: Gender, out: &mut Vec<&'static str>) {
    let c = case.index();
    let (h, rest) = ((n / 100) as usize, (n % 100) as usize);
    if h > 0 {
        out.push(RU_HUNDREDS[h][c]);
    }
    if (10..20).contains(&rest) {
        out.push(RU_TEENS[rest - 10][c]);
        return;
    }
    let (t, u) = (rest / 10, rest % 10);
    if t > 0 {
        out.push(RU_TENS[t][c]);
    }
    match (u, gender) {
        (0, _) => {}
        (1, g) => out.push(RU_ONE[g as usize][c]),
        (2, Gender::Feminine) => out.push(RU_TWO_FEM[c]),
        (u, _) => out.push(RU_UNITS[u][c]),
    }
}

/// The scale noun after a group of `g` in `case`: «тысяча», «две тысячи», «пяти тысячах».
fn scale_noun(scale: &Scale, g: u64, case: Case) -> &'static str {
    let c = case.index();
    match (ru_plural(g), case) {
        (RuPlural::One, _) => scale.one[c],
        (RuPlural::Few, Case::Nominative | Case::Accusative) => scale.few_nominative,
        _ => scale.plural[c],
    }
}

/// Russian cardinal in words, declined in every part as the literary norm wants:
/// ru_words(15, Genitive, _) = «пятнадцати», ru_words(2000, Genitive, _) = «двух тысяч».
/// `gender` applies to the last group (1, 2); thousands are feminine, larger scales
/// masculine. Covers all of `u64` (up to квинтиллионы).
pub fn ru_words(n: u64, case: Case, gender: Gender) -> String {
    if n == 0 {
        return match case {
            Case::Genitive => "ноля",
            Case::Dative => "нолю",
            Case::Instrumental => "нолём",
            Case::Prepositional => "ноле",
            _ => "ноль",
        }
        .into();
    }
    let mut out = Vec::new();
    for (i, scale) in RU_SCALES.iter().enumerate().rev() {
        let divisor = 1000u64.pow(i as u32 + 1);
        let g = (n / divisor) % 1000;
        if g > 0 {
            ru_below_thousand(g, case, scale.gender, &mut out);
            out.push(scale_noun(scale, g, case));
        }
    }
    ru_below_thousand(n % 1000, case, gender, &mut out);
    out.join(" ")
}

/// Forms of a counted noun phrase, e.g. «рабочий день»: nominative by [One, Few, Many]
/// («рабочий день», «рабочих дня», «рабочих дней»), genitive and prepositional by
/// [one, other].
pub struct RuNounForms<'a> {
    pub gender: Gender,
    pub nominative: [&'a str; 3],
    pub genitive: [&'a str; 2],
    pub prepositional: [&'a str; 2],
}

/// «15 (пятнадцати) рабочих дней»: digits, the number in words, the agreeing noun.
/// Only nominative/accusative, genitive and prepositional are supported; dative and
/// instrumental fall back to the genitive (number and noun alike), because
/// [`RuNounForms`] carries no forms for them and a mixed phrase would be ungrammatical.
pub fn ru_counted(n: u64, case: Case, forms: &RuNounForms<'_>) -> String {
    let case = match case {
        Case::Dative | Case::Instrumental => Case::Genitive,
        c => c,
    };
    let plural = ru_plural(n);
    let noun = match case {
        Case::Nominative | Case::Accusative => {
            forms.nominative[match plural {
                RuPlural::One => 0,
                RuPlural::Few => 1,
                RuPlural::Many => 2,
            }]
        }
        Case::Prepositional => forms.prepositional[usize::from(plural != RuPlural::One)],
        _ => forms.genitive[usize::from(plural != RuPlural::One)],
    };
    format!("{n} ({}) {noun}", ru_words(n, case, forms.gender))
}

/// A final mark in words: 5 «отлично» / «өте жақсы».
pub fn mark_in_words(mark: u8, lang: Lang) -> Option<&'static str> {
    Some(match (mark, lang) {
        (5, Lang::Ru) => "отлично",
        (4, Lang::Ru) => "хорошо",
        (3, Lang::Ru) => "удовлетворительно",
        (2, Lang::Ru) => "неудовлетворительно",
        (5, Lang::Kk) => "өте жақсы",
        (4, Lang::Kk) => "жақсы",
        (3, Lang::Kk) => "қанағаттанарлық",
        (2, Lang::Kk) => "қанағаттанарлықсыз",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::Case::*;
    use super::Gender::*;
    use super::*;

    #[test]
    fn kazakh() {
        let cases = [
            (0, "нөл"),
            (1, "бір"),
            (2, "екі"),
            (3, "үш"),
            (4, "төрт"),
            (5, "бес"),
            (6, "алты"),
            (7, "жеті"),
            (8, "сегіз"),
            (9, "тоғыз"),
            (10, "он"),
            (11, "он бір"),
            (15, "он бес"),
            (20, "жиырма"),
            (21, "жиырма бір"),
            (30, "отыз"),
            (40, "қырық"),
            (45, "қырық бес"),
            (50, "елу"),
            (60, "алпыс"),
            (70, "жетпіс"),
            (80, "сексен"),
            (90, "тоқсан"),
            (99, "тоқсан тоғыз"),
            (100, "жүз"),
            (115, "жүз он бес"),
            (200, "екі жүз"),
            (999, "тоғыз жүз тоқсан тоғыз"),
            (1000, "бір мың"),
            (1001, "бір мың бір"),
            (2026, "екі мың жиырма алты"),
            (10_000, "он мың"),
            (150_000, "жүз елу мың"),
            (1_000_000, "бір миллион"),
            (2_000_500, "екі миллион бес жүз"),
            (1_000_000_000, "бір миллиард"),
            (100_000, "жүз мың"),
            (101_000, "жүз бір мың"),
            (1_100, "бір мың жүз"),
            (1_000_001, "бір миллион бір"),
            (
                999_999_999_999,
                "тоғыз жүз тоқсан тоғыз миллиард тоғыз жүз тоқсан тоғыз миллион \
                 тоғыз жүз тоқсан тоғыз мың тоғыз жүз тоқсан тоғыз",
            ),
            (1_000_000_000_000, "бір триллион"),
        ];
        assert!(cases.len() >= 30);
        for (n, w) in cases {
            assert_eq!(kk_words(n), w, "{n}");
        }
        assert_eq!(kk_counted(15, "жұмыс күні"), "15 (он бес) жұмыс күні");
        assert_eq!(kk_counted(20, "минут"), "20 (жиырма) минут");
        assert_eq!(kk_counted(21, "күн"), "21 (жиырма бір) күн");
        assert_eq!(kk_counted(1, "жыл"), "1 (бір) жыл");
        assert_eq!(
            kk_words(u64::MAX),
            "он сегіз квинтиллион төрт жүз қырық алты квадриллион жеті жүз қырық төрт \
             триллион жетпіс үш миллиард жеті жүз тоғыз миллион бес жүз елу бір мың алты \
             жүз он бес"
        );
    }

    #[test]
    fn russian() {
        let cases = [
            (0, Nominative, Masculine, "ноль"),
            (1, Nominative, Masculine, "один"),
            (1, Nominative, Feminine, "одна"),
            (1, Nominative, Neuter, "одно"),
            (1, Accusative, Feminine, "одну"),
            (1, Genitive, Masculine, "одного"),
            (1, Prepositional, Masculine, "одном"),
            (2, Nominative, Masculine, "два"),
            (2, Nominative, Feminine, "две"),
            (2, Genitive, Masculine, "двух"),
            (2, Prepositional, Feminine, "двух"),
            (2, Instrumental, Masculine, "двумя"),
            (3, Dative, Masculine, "трём"),
            (4, Instrumental, Masculine, "четырьмя"),
            (5, Instrumental, Masculine, "пятью"),
            (8, Genitive, Masculine, "восьми"),
            (10, Genitive, Masculine, "десяти"),
            (11, Genitive, Masculine, "одиннадцати"),
            (15, Nominative, Masculine, "пятнадцать"),
            (15, Genitive, Masculine, "пятнадцати"),
            (15, Prepositional, Masculine, "пятнадцати"),
            (21, Nominative, Masculine, "двадцать один"),
            (21, Genitive, Masculine, "двадцати одного"),
            (30, Genitive, Masculine, "тридцати"),
            (40, Genitive, Masculine, "сорока"),
            (40, Instrumental, Masculine, "сорока"),
            (50, Instrumental, Masculine, "пятьюдесятью"),
            (90, Genitive, Masculine, "девяноста"),
            (100, Genitive, Masculine, "ста"),
            (100, Instrumental, Masculine, "ста"),
            (200, Genitive, Masculine, "двухсот"),
            (300, Prepositional, Masculine, "трёхстах"),
            (500, Genitive, Masculine, "пятисот"),
            (1000, Nominative, Masculine, "одна тысяча"),
            (2000, Nominative, Masculine, "две тысячи"),
            (2000, Genitive, Masculine, "двух тысяч"),
            (5000, Nominative, Masculine, "пять тысяч"),
            (5000, Prepositional, Masculine, "пяти тысячах"),
            (2026, Nominative, Masculine, "две тысячи двадцать шесть"),
            (2026, Genitive, Masculine, "двух тысяч двадцати шести"),
            (21_000, Nominative, Masculine, "двадцать одна тысяча"),
            (1_000_000, Nominative, Masculine, "один миллион"),
            (3_000_000, Nominative, Masculine, "три миллиона"),
            (5_000_000, Genitive, Masculine, "пяти миллионов"),
            (2_000_000_000, Nominative, Masculine, "два миллиарда"),
            (0, Genitive, Masculine, "ноля"),
            (2, Nominative, Neuter, "два"),
            (2, Accusative, Feminine, "две"),
            (2, Dative, Feminine, "двум"),
            (4, Genitive, Masculine, "четырёх"),
            (3, Prepositional, Feminine, "трёх"),
            (12, Instrumental, Masculine, "двенадцатью"),
            (22, Nominative, Feminine, "двадцать две"),
            (31, Prepositional, Neuter, "тридцати одном"),
            (60, Genitive, Masculine, "шестидесяти"),
            (80, Instrumental, Masculine, "восемьюдесятью"),
            (90, Dative, Masculine, "девяноста"),
            (90, Instrumental, Masculine, "девяноста"),
            (100, Nominative, Masculine, "сто"),
            (100, Prepositional, Masculine, "ста"),
            (115, Genitive, Masculine, "ста пятнадцати"),
            (200, Dative, Masculine, "двумстам"),
            (200, Instrumental, Masculine, "двумястами"),
            (400, Instrumental, Masculine, "четырьмястами"),
            (500, Prepositional, Masculine, "пятистах"),
            (800, Genitive, Masculine, "восьмисот"),
            (999, Genitive, Masculine, "девятисот девяноста девяти"),
            (1000, Accusative, Masculine, "одну тысячу"),
            (1000, Genitive, Masculine, "одной тысячи"),
            (1000, Instrumental, Masculine, "одной тысячей"),
            (2000, Instrumental, Masculine, "двумя тысячами"),
            (4000, Prepositional, Masculine, "четырёх тысячах"),
            (11_000, Nominative, Masculine, "одиннадцать тысяч"),
            (22_000, Accusative, Masculine, "двадцать две тысячи"),
            (1_001, Nominative, Feminine, "одна тысяча одна"),
            (2_002, Genitive, Masculine, "двух тысяч двух"),
            (1_000_000, Genitive, Masculine, "одного миллиона"),
            (2_000_000, Prepositional, Masculine, "двух миллионах"),
            (21_000_000, Nominative, Masculine, "двадцать один миллион"),
            (1_000_000_000, Instrumental, Masculine, "одним миллиардом"),
            (1_000_000_000_000, Nominative, Masculine, "один триллион"),
        ];
        assert!(cases.len() >= 30);
        for (n, case, gender, w) in cases {
            assert_eq!(ru_words(n, case, gender), w, "{n} {case:?} {gender:?}");
        }
        assert_eq!(
            ru_words(u64::MAX, Nominative, Masculine),
            "восемнадцать квинтиллионов четыреста сорок шесть квадриллионов семьсот сорок \
             четыре триллиона семьдесят три миллиарда семьсот девять миллионов пятьсот \
             пятьдесят одна тысяча шестьсот пятнадцать"
        );
        for case in [
            Nominative,
            Genitive,
            Dative,
            Accusative,
            Instrumental,
            Prepositional,
        ] {
            for gender in [Masculine, Feminine, Neuter] {
                for n in (0..2_100).chain([u64::MAX, u64::MAX - 1, 10u64.pow(18)]) {
                    let w = ru_words(n, case, gender);
                    assert!(!w.is_empty() && !w.contains("  "), "{n} {case:?}: {w:?}");
                }
            }
        }
    }

    #[test]
    fn plural_categories() {
        for (n, p) in [
            (1, RuPlural::One),
            (21, RuPlural::One),
            (101, RuPlural::One),
            (2, RuPlural::Few),
            (4, RuPlural::Few),
            (22, RuPlural::Few),
            (0, RuPlural::Many),
            (5, RuPlural::Many),
            (11, RuPlural::Many),
            (14, RuPlural::Many),
            (111, RuPlural::Many),
            (25, RuPlural::Many),
            (24, RuPlural::Few),
            (12, RuPlural::Many),
            (13, RuPlural::Many),
            (20, RuPlural::Many),
            (112, RuPlural::Many),
            (113, RuPlural::Many),
            (114, RuPlural::Many),
            (1_001, RuPlural::One),
            (u64::MAX, RuPlural::Many),
        ] {
            assert_eq!(ru_plural(n), p, "{n}");
        }
    }

    #[test]
    fn counted_phrases() {
        let days = RuNounForms {
            gender: Masculine,
            nominative: ["рабочий день", "рабочих дня", "рабочих дней"],
            genitive: ["рабочего дня", "рабочих дней"],
            prepositional: ["рабочем дне", "рабочих днях"],
        };
        assert_eq!(
            ru_counted(15, Nominative, &days),
            "15 (пятнадцать) рабочих дней"
        );
        assert_eq!(
            ru_counted(15, Genitive, &days),
            "15 (пятнадцати) рабочих дней"
        );
        assert_eq!(ru_counted(1, Genitive, &days), "1 (одного) рабочего дня");
        assert_eq!(ru_counted(2, Genitive, &days), "2 (двух) рабочих дней");
        assert_eq!(
            ru_counted(21, Nominative, &days),
            "21 (двадцать один) рабочий день"
        );
        assert_eq!(ru_counted(3, Nominative, &days), "3 (три) рабочих дня");
        assert_eq!(
            ru_counted(10, Prepositional, &days),
            "10 (десяти) рабочих днях"
        );
        assert_eq!(ru_counted(1, Nominative, &days), "1 (один) рабочий день");
        assert_eq!(
            ru_counted(11, Genitive, &days),
            "11 (одиннадцати) рабочих дней"
        );
        assert_eq!(
            ru_counted(21, Genitive, &days),
            "21 (двадцати одного) рабочего дня"
        );
        assert_eq!(ru_counted(1, Prepositional, &days), "1 (одном) рабочем дне");
        assert_eq!(ru_counted(5, Accusative, &days), "5 (пять) рабочих дней");
        // Dative and instrumental fall back to the genitive, number and noun alike.
        assert_eq!(ru_counted(5, Instrumental, &days), "5 (пяти) рабочих дней");
        assert_eq!(ru_counted(1, Dative, &days), "1 (одного) рабочего дня");
        let weeks = RuNounForms {
            gender: Feminine,
            nominative: ["неделя", "недели", "недель"],
            genitive: ["недели", "недель"],
            prepositional: ["неделе", "неделях"],
        };
        assert_eq!(ru_counted(1, Nominative, &weeks), "1 (одна) неделя");
        assert_eq!(ru_counted(2, Nominative, &weeks), "2 (две) недели");
        assert_eq!(ru_counted(1, Genitive, &weeks), "1 (одной) недели");
        assert_eq!(
            ru_counted(22, Genitive, &weeks),
            "22 (двадцати двух) недель"
        );
    }

    #[test]
    fn marks() {
        for (mark, ru, kk) in [
            (5, "отлично", "өте жақсы"),
            (4, "хорошо", "жақсы"),
            (3, "удовлетворительно", "қанағаттанарлық"),
            (2, "неудовлетворительно", "қанағаттанарлықсыз"),
        ] {
            assert_eq!(mark_in_words(mark, Lang::Ru), Some(ru));
            assert_eq!(mark_in_words(mark, Lang::Kk), Some(kk));
        }
        for mark in [0, 1, 6, 10, u8::MAX] {
            assert_eq!(mark_in_words(mark, Lang::Ru), None);
            assert_eq!(mark_in_words(mark, Lang::Kk), None);
        }
    }
}

//! IIN (ЖСН/ИИН) and BIN (БСН/БИН) validation (Government decree No. 406 of 22.05.2007).

use time::{Date, Month};

/// Why an IIN or BIN was rejected. Messages follow a JSON path in user-facing errors
/// («$.pupil.iin: check digit does not match»), so they are short and lowercase-first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("must be exactly 12 digits")]
    Format,
    #[error("check digit does not match")]
    CheckDigit,
    #[error("check digit can never be valid (weighted sum is 10 twice)")]
    NeverIssued,
    #[error("birth date {0} is not a calendar date")]
    BirthDate(String),
    #[error("century/sex digit must be 1–6")]
    CenturySex,
    #[error("entity type digit must be 4, 5 or 6")]
    EntityType,
    #[error("unit digit must be 0–3")]
    Unit,
    /// A BIN's registration month (digits 3–4) outside 01–12.
    #[error("registration month {0} must be 01–12")]
    Month(String),
}

/// The check digit of the first 11 digits (each 0–9), or `None` when both weightings give
/// 10, so no number with these digits is ever issued (decree No. 406).
pub fn check_digit(first11: &[u8; 11]) -> Option<u8> {
    const SECOND: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];
    let sum = |w: &dyn Fn(usize) -> u32| -> u32 {
        first11
            .iter()
            .enumerate()
            .map(|(i, &d)| u32::from(d) * w(i))
            .sum::<u32>()
            % 11
    };
    let c = sum(&|i| i as u32 + 1);
    let c = if c == 10 { sum(&|i| SECOND[i]) } else { c };
    if c == 10 { None } else { Some(c as u8) }
}

fn digits(s: &str) -> Result<[u8; 12], IdError> {
    let bytes = s.as_bytes();
    if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(IdError::Format);
    }
    let mut d = [0u8; 12];
    for (slot, b) in d.iter_mut().zip(bytes) {
        *slot = b - b'0';
    }
    Ok(d)
}

fn verify_check(d: &[u8; 12]) -> Result<(), IdError> {
    let mut first = [0u8; 11];
    first.copy_from_slice(&d[..11]);
    match check_digit(&first) {
        None => Err(IdError::NeverIssued),
        Some(c) if c == d[11] => Ok(()),
        Some(_) => Err(IdError::CheckDigit),
    }
}

/// A validated IIN; the birth date is kept because documents print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iin {
    value: String,
    birth: Date,
}

impl Iin {
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// From digits 1–6 and the century digit.
    pub fn birth_date(&self) -> Date {
        self.birth
    }

    /// «0801******12»: enough to recognise, not to reuse.
    pub fn masked(&self) -> String {
        format!("{}******{}", &self.value[..4], &self.value[10..])
    }
}

/// Checks an IIN: 12 ASCII digits, century/sex digit 1–6, a real birth date (the century
/// from the 7th digit: 1/2 → 1800s, 3/4 → 1900s, 5/6 → 2000s), then the check digit.
pub fn validate_iin(s: &str) -> Result<Iin, IdError> {
    let d = digits(s)?;
    let century = match d[6] {
        1 | 2 => 1800,
        3 | 4 => 1900,
        5 | 6 => 2000,
        _ => return Err(IdError::CenturySex),
    };
    let year = century + i32::from(d[0] * 10 + d[1]);
    let month =
        Month::try_from(d[2] * 10 + d[3]).map_err(|_| IdError::BirthDate(s[..6].to_owned()))?;
    let birth = Date::from_calendar_date(year, month, d[4] * 10 + d[5])
        .map_err(|_| IdError::BirthDate(s[..6].to_owned()))?;
    verify_check(&d)?;
    Ok(Iin {
        value: s.to_owned(),
        birth,
    })
}

/// A validated BIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bin(String);

impl Bin {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a BIN: 12 ASCII digits, registration month 01–12, entity type 4/5/6, unit 0–3,
/// then the check digit.
pub fn validate_bin(s: &str) -> Result<Bin, IdError> {
    let d = digits(s)?;
    if !(1..=12).contains(&(d[2] * 10 + d[3])) {
        return Err(IdError::Month(s[2..4].to_owned()));
    }
    if !(4..=6).contains(&d[4]) {
        return Err(IdError::EntityType);
    }
    if d[5] > 3 {
        return Err(IdError::Unit);
    }
    verify_check(&d)?;
    Ok(Bin(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    /// Appends the check digit to 11 digits; `None` if they can never be issued.
    fn with_check(first11: &str) -> Option<String> {
        let mut d = [0u8; 11];
        for (slot, b) in d.iter_mut().zip(first11.bytes()) {
            *slot = b - b'0';
        }
        check_digit(&d).map(|c| format!("{first11}{c}"))
    }

    fn first11(s: &str) -> [u8; 11] {
        let mut d = [0u8; 11];
        for (slot, b) in d.iter_mut().zip(s.bytes()) {
            *slot = b - b'0';
        }
        d
    }

    #[test]
    fn check_digit_by_hand() {
        // 1·1 + 2·2 + … = 296 ≡ 10 (mod 11): second weights give 377 ≡ 3.
        assert_eq!(check_digit(&first11("12345678901")), Some(3));
        // 307 ≡ 10, then 379 ≡ 5.
        assert_eq!(check_digit(&first11("12345678902")), Some(5));
        // Only the 10th digit: 1·10 = 10 → second weight 1.
        assert_eq!(check_digit(&first11("00000000010")), Some(1));
        assert_eq!(check_digit(&first11("00000000000")), Some(0));
        // 1·1 = 1 on the first pass.
        assert_eq!(check_digit(&first11("10000000000")), Some(1));
    }

    #[test]
    fn nca_test_numbers_fail_the_check() {
        // NCA test certificates carry these on purpose; their check digits are 3 and 5.
        assert_ne!(check_digit(&first11("12345678901")), Some(1));
        assert_ne!(check_digit(&first11("12345678902")), Some(1));
        assert!(validate_iin("123456789011").is_err());
        assert!(validate_bin("123456789021").is_err());
    }

    #[test]
    fn valid_iins() {
        let cases = [
            ("0801155", "0123", date!(2008 - 01 - 15)),
            ("8504204", "0123", date!(1985 - 04 - 20)),
            ("7803123", "0045", date!(1978 - 03 - 12)),
            ("1911034", "0012", date!(1919 - 11 - 03)),
            ("2402296", "1234", date!(2024 - 02 - 29)),
            ("0002293", "9876", date!(1900 - 02 - 28)),
            ("9912311", "0001", date!(1899 - 12 - 31)),
            ("0001012", "0001", date!(1800 - 01 - 01)),
            ("1509305", "5555", date!(2015 - 09 - 30)),
        ];
        let mut checked = 0;
        for (head, serial, birth) in cases {
            // 1900 is no leap year: 000229 + century 3 is not a date.
            if head == "0002293" {
                assert_eq!(
                    validate_iin(&format!("{head}{serial}0")),
                    Err(IdError::BirthDate("000229".into()))
                );
                continue;
            }
            let Some(iin) = with_check(&format!("{head}{serial}")) else {
                continue;
            };
            let v = validate_iin(&iin).unwrap();
            assert_eq!(v.as_str(), iin);
            assert_eq!(v.birth_date(), birth, "{iin}");
            // Every other last digit fails.
            for wrong in (0..10).filter(|&c| !iin.ends_with(char::from(b'0' + c))) {
                let bad = format!("{}{wrong}", &iin[..11]);
                assert_eq!(validate_iin(&bad), Err(IdError::CheckDigit), "{bad}");
            }
            checked += 1;
        }
        assert!(checked >= 6);
        let iin = validate_iin(&with_check("08011550123").unwrap()).unwrap();
        assert_eq!(iin.masked(), format!("0801******3{}", &iin.as_str()[11..]));
        assert_eq!(iin.masked().chars().count(), 12);
    }

    #[test]
    fn bad_iins() {
        let ok = with_check("08011550123").unwrap();
        assert_eq!(validate_iin(&ok[..11]), Err(IdError::Format));
        assert_eq!(validate_iin(&format!("{ok}0")), Err(IdError::Format));
        assert_eq!(validate_iin(""), Err(IdError::Format));
        assert_eq!(
            validate_iin(&format!(" {}", &ok[1..])),
            Err(IdError::Format)
        );
        assert_eq!(validate_iin("08011550123a"), Err(IdError::Format));
        assert_eq!(validate_iin("+80115501239"), Err(IdError::Format));
        assert_eq!(validate_iin("٠٨٠١١٥٥٠١٢٣٩"), Err(IdError::Format));
        assert_eq!(
            validate_iin("０８０１１５５０１２３９"),
            Err(IdError::Format)
        );
        for c in ['0', '7', '8', '9'] {
            let s = format!("080115{c}01239");
            assert_eq!(validate_iin(&s), Err(IdError::CenturySex), "{s}");
        }
        for head in ["080230", "081301", "080001", "080100", "230229", "080431"] {
            let s = format!("{head}501239");
            assert_eq!(
                validate_iin(&s),
                Err(IdError::BirthDate(head.into())),
                "{s}"
            );
        }
        assert_eq!(
            IdError::BirthDate("080230".into()).to_string(),
            "birth date 080230 is not a calendar date"
        );
    }

    #[test]
    fn never_issued() {
        // Find a serial whose both weightings give 10 and check it is reported as such.
        let head = "0801155";
        let serial = (0..10_000)
            .map(|n| format!("{head}{n:04}"))
            .find(|s| check_digit(&first11(s)).is_none())
            .unwrap();
        for last in 0..10 {
            assert_eq!(
                validate_iin(&format!("{serial}{last}")),
                Err(IdError::NeverIssued)
            );
        }
        assert!(with_check(&serial).is_none());
    }

    #[test]
    fn bins() {
        let mut checked = 0;
        for first in [
            "15034000123",
            "98064000456",
            "99044000321",
            "20125100001",
            "07016200777",
            "21114312345",
        ] {
            let Some(bin) = with_check(first) else {
                continue;
            };
            assert_eq!(validate_bin(&bin).unwrap().as_str(), bin);
            checked += 1;
        }
        assert!(checked >= 5);
        let ok = with_check("15034000123").unwrap();
        let wrong = (ok.as_bytes()[11] - b'0' + 1) % 10;
        assert_eq!(
            validate_bin(&format!("{}{wrong}", &ok[..11])),
            Err(IdError::CheckDigit)
        );
        assert_eq!(
            validate_bin("123456789021"),
            Err(IdError::Month("34".into()))
        );
        assert_eq!(
            validate_bin("151340001236"),
            Err(IdError::Month("13".into()))
        );
        assert_eq!(
            validate_bin("150040001236"),
            Err(IdError::Month("00".into()))
        );
        for t in ['0', '1', '3', '7', '9'] {
            let s = format!("1503{t}0001236");
            assert_eq!(validate_bin(&s), Err(IdError::EntityType), "{s}");
        }
        for u in ['4', '5', '9'] {
            let s = format!("15034{u}001236");
            assert_eq!(validate_bin(&s), Err(IdError::Unit), "{s}");
        }
        assert_eq!(validate_bin("15034000123"), Err(IdError::Format));
        assert_eq!(validate_bin("15034000123X"), Err(IdError::Format));
        assert_eq!(validate_bin("БИН150340001"), Err(IdError::Format));
    }
}

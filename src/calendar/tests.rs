//! The calendar against the published calendars of 2024–2026 (calendar.md), deadlines, and
//! loading corrected or broken data.

use time::macros::{date, datetime};
use time::{Date, Month};

use super::*;

/// Published non-working weekdays and working weekend days of `year`.
fn published(year: i32) -> (Vec<Date>, Vec<Date>) {
    match year {
        2024 => (
            vec![
                date!(2024 - 01 - 01),
                date!(2024 - 01 - 02),
                date!(2024 - 03 - 08),
                date!(2024 - 03 - 21),
                date!(2024 - 03 - 22),
                date!(2024 - 03 - 25), // 23 Mar (Sat) moved
                date!(2024 - 05 - 01),
                date!(2024 - 05 - 07),
                date!(2024 - 05 - 09),
                date!(2024 - 07 - 08), // 6 Jul (Sat) moved
                date!(2024 - 08 - 30),
                date!(2024 - 10 - 25),
                date!(2024 - 12 - 16),
            ],
            vec![],
        ),
        2025 => (
            vec![
                date!(2025 - 01 - 01),
                date!(2025 - 01 - 02),
                date!(2025 - 01 - 03), // transfer from Sun 5 Jan
                date!(2025 - 01 - 07),
                date!(2025 - 03 - 10), // 8 Mar (Sat) moved
                date!(2025 - 03 - 21),
                date!(2025 - 03 - 24), // 22–23 Mar (Sat–Sun) moved
                date!(2025 - 03 - 25),
                date!(2025 - 05 - 01),
                date!(2025 - 05 - 07),
                date!(2025 - 05 - 09),
                date!(2025 - 06 - 06), // Kurban Ait
                date!(2025 - 07 - 07), // 6 Jul (Sun) moved
                date!(2025 - 09 - 01), // 30 Aug (Sat) moved
                date!(2025 - 10 - 27), // 25 Oct (Sat) moved
                date!(2025 - 12 - 16),
            ],
            vec![date!(2025 - 01 - 05)],
        ),
        2026 => (
            vec![
                date!(2026 - 01 - 01),
                date!(2026 - 01 - 02),
                date!(2026 - 01 - 07),
                date!(2026 - 03 - 09), // 8 Mar (Sun) moved
                date!(2026 - 03 - 23),
                date!(2026 - 03 - 24), // 21–22 Mar (Sat–Sun) moved past the 23rd
                date!(2026 - 03 - 25),
                date!(2026 - 05 - 01),
                date!(2026 - 05 - 07),
                date!(2026 - 05 - 11), // 9 May (Sat) moved
                date!(2026 - 05 - 27), // Kurban Ait
                date!(2026 - 07 - 06),
                date!(2026 - 10 - 26), // 25 Oct (Sun) moved
                date!(2026 - 12 - 16),
            ],
            vec![],
        ),
        _ => panic!("no published calendar for {year}"),
    }
}

/// Working days per month, January first, from the published calendars.
const WORKING_DAYS_PER_MONTH: [(i32, [u32; 12], u32); 3] = [
    (2024, [21, 21, 17, 22, 20, 20, 22, 21, 21, 22, 21, 21], 249),
    (2025, [20, 20, 17, 22, 19, 20, 22, 21, 21, 22, 20, 22], 246),
    (2026, [19, 20, 18, 22, 17, 22, 22, 21, 22, 21, 21, 22], 247),
];

fn days_of(year: i32) -> impl Iterator<Item = Date> {
    let first = Date::from_calendar_date(year, Month::January, 1).unwrap();
    std::iter::successors(Some(first), |d| d.next_day()).take_while(move |d| d.year() == year)
}

#[test]
fn embedded_data_loads() {
    let cal = Calendar::from_toml(EMBEDDED_TOML).unwrap();
    assert_eq!(cal.version(), "2026-11-01");
    assert_eq!(Calendar::kazakhstan().version(), "2026-11-01");
}

#[test]
fn every_day_of_2024_to_2026_matches_the_published_calendar() {
    let cal = Calendar::kazakhstan();
    for year in 2024..=2026 {
        let (off, work) = published(year);
        for d in days_of(year) {
            let expected = if is_weekend(d) {
                work.contains(&d)
            } else {
                !off.contains(&d)
            };
            assert_eq!(
                cal.is_working_day(d),
                expected,
                "{d} ({:?}, {:?})",
                cal.day_kind(d),
                cal.reason(d)
            );
        }
    }
}

#[test]
fn working_days_per_month_and_year() {
    let cal = Calendar::kazakhstan();
    for (year, months, total) in WORKING_DAYS_PER_MONTH {
        let mut counted = [0u32; 12];
        for d in days_of(year).filter(|&d| cal.is_working_day(d)) {
            counted[usize::from(u8::from(d.month())) - 1] += 1;
        }
        assert_eq!(counted, months, "{year}");
        assert_eq!(counted.iter().sum::<u32>(), total, "{year}");
    }
}

#[test]
fn kinds_and_reasons() {
    let cal = Calendar::kazakhstan();
    assert_eq!(cal.day_kind(date!(2026 - 03 - 21)), DayKind::Holiday);
    assert_eq!(cal.day_kind(date!(2026 - 03 - 23)), DayKind::Holiday);
    assert_eq!(
        cal.day_kind(date!(2026 - 03 - 24)),
        DayKind::TransferredDayOff
    );
    assert_eq!(
        cal.reason(date!(2026 - 03 - 25)),
        Some("Наурыз мейрамы / Праздник Наурыз")
    );
    assert_eq!(cal.day_kind(date!(2026 - 03 - 26)), DayKind::Working);
    assert_eq!(cal.reason(date!(2026 - 03 - 26)), None);
    assert_eq!(cal.day_kind(date!(2026 - 05 - 27)), DayKind::DayOff);
    assert_eq!(cal.day_kind(date!(2026 - 01 - 07)), DayKind::DayOff);
    assert_eq!(
        cal.day_kind(date!(2025 - 01 - 05)),
        DayKind::TransferredWorkingDay
    );
    assert_eq!(
        cal.day_kind(date!(2025 - 01 - 03)),
        DayKind::TransferredDayOff
    );
    assert!(cal.reason(date!(2025 - 01 - 03)).unwrap().contains("85"));
    assert_eq!(cal.day_kind(date!(2026 - 03 - 14)), DayKind::Weekend);
}

#[test]
fn constitution_day_moves_from_30_august_to_15_march() {
    let cal = Calendar::kazakhstan();
    // 30 August 2025 (Sat) still moved to Monday 1 September; 2026 has no such holiday.
    assert_eq!(cal.day_kind(date!(2025 - 08 - 30)), DayKind::Holiday);
    assert_eq!(
        cal.day_kind(date!(2025 - 09 - 01)),
        DayKind::TransferredDayOff
    );
    assert_eq!(cal.day_kind(date!(2026 - 08 - 30)), DayKind::Weekend);
    assert_eq!(cal.day_kind(date!(2026 - 08 - 31)), DayKind::Working);
    assert_eq!(cal.day_kind(date!(2024 - 08 - 30)), DayKind::Holiday);
    // 15 March: not in 2026 (a Sunday, nothing moves), a holiday from 2027 (a Monday).
    assert_eq!(cal.day_kind(date!(2026 - 03 - 16)), DayKind::Working);
    assert_eq!(cal.day_kind(date!(2027 - 03 - 15)), DayKind::Holiday);
}

#[test]
fn art_84_days_off_never_move() {
    let cal = Calendar::kazakhstan();
    // 7 January 2024 and Kurban Ait 16 June 2024 were Sundays: the Mondays are working.
    assert_eq!(date!(2024 - 01 - 07).weekday(), Weekday::Sunday);
    assert_eq!(cal.day_kind(date!(2024 - 01 - 07)), DayKind::DayOff);
    assert!(cal.is_working_day(date!(2024 - 01 - 08)));
    assert_eq!(date!(2024 - 06 - 16).weekday(), Weekday::Sunday);
    assert_eq!(cal.day_kind(date!(2024 - 06 - 16)), DayKind::DayOff);
    assert!(cal.is_working_day(date!(2024 - 06 - 17)));
}

#[test]
fn years_without_published_data_follow_the_rules() {
    let cal = Calendar::kazakhstan();
    // 2023: 1 Jan (Sun) moves past the 2nd (a holiday) to Tuesday 3 Jan.
    assert_eq!(
        cal.day_kind(date!(2023 - 01 - 03)),
        DayKind::TransferredDayOff
    );
    assert!(cal.is_working_day(date!(2023 - 01 - 04)));
    // 2027: 21 Mar (Sun) moves past 22–23 Mar to Wednesday 24 Mar.
    assert!(!cal.is_working_day(date!(2027 - 03 - 22)));
    assert!(!cal.is_working_day(date!(2027 - 03 - 23)));
    assert_eq!(
        cal.day_kind(date!(2027 - 03 - 24)),
        DayKind::TransferredDayOff
    );
    assert!(cal.is_working_day(date!(2027 - 03 - 25)));
    // Far years do not error.
    assert_eq!(cal.day_kind(date!(2100 - 01 - 01)), DayKind::Holiday);
    let _ = cal.day_kind(Date::MIN);
    let _ = cal.day_kind(Date::MAX);
}

#[test]
fn deadline_from_the_friday_before_nauryz_2026() {
    let cal = Calendar::kazakhstan();
    // Friday 20 March 16:00: registered that day; 23–25 March are not counted.
    let received = datetime!(2026-03-20 16:00);
    let provider = WorkingHours::provider();
    assert_eq!(
        cal.registration_date(received, &provider),
        date!(2026 - 03 - 20)
    );
    assert_eq!(cal.deadline(received, &provider, 15), date!(2026 - 04 - 15));
    assert_eq!(cal.deadline(received, &provider, 1), date!(2026 - 03 - 26));
}

#[test]
fn acceptance_on_a_saturday() {
    let cal = Calendar::kazakhstan();
    let gk = WorkingHours::state_corporation();
    // The State Corporation is open on an ordinary Saturday, but it is not a working day.
    assert!(cal.is_open_on(date!(2026 - 03 - 14), &gk));
    assert!(!cal.is_open_on(date!(2026 - 03 - 14), &WorkingHours::provider()));
    let sat = datetime!(2026-03-14 11:00);
    assert_eq!(cal.registration_date(sat, &gk), date!(2026 - 03 - 16));
    assert_eq!(cal.deadline(sat, &gk, 5), date!(2026 - 03 - 26));
    // Saturday 7 March 2026: Monday 9 March is off, so Tuesday 10 March.
    assert_eq!(
        cal.registration_date(datetime!(2026-03-07 11:00), &gk),
        date!(2026 - 03 - 10)
    );
    // A holiday Saturday closes the State Corporation (8 March 2025).
    assert!(!cal.is_open_on(date!(2025 - 03 - 08), &gk));
    // A transferred working Sunday opens every office (5 January 2025).
    assert!(cal.is_open_on(date!(2025 - 01 - 05), &WorkingHours::provider()));
    assert_eq!(
        cal.registration_date(datetime!(2025-01-05 10:00), &WorkingHours::provider()),
        date!(2025 - 01 - 05)
    );
}

#[test]
fn arrival_after_and_before_working_hours() {
    let cal = Calendar::kazakhstan();
    let provider = WorkingHours::provider();
    let gk = WorkingHours::state_corporation();
    // Wednesday 4 March 2026.
    let late = datetime!(2026-03-04 18:30);
    assert_eq!(
        cal.registration_date(late, &provider),
        date!(2026 - 03 - 05)
    );
    assert_eq!(cal.registration_date(late, &gk), date!(2026 - 03 - 04));
    assert_eq!(cal.deadline(late, &provider, 3), date!(2026 - 03 - 11));
    assert_eq!(cal.deadline(late, &gk, 3), date!(2026 - 03 - 10));
    assert_eq!(
        cal.registration_date(datetime!(2026-03-04 18:00), &provider),
        date!(2026 - 03 - 05)
    );
    assert_eq!(
        cal.registration_date(datetime!(2026-03-04 08:00), &provider),
        date!(2026 - 03 - 04)
    );
    assert_eq!(
        cal.registration_date(datetime!(2026-03-04 13:30), &provider),
        date!(2026 - 03 - 04)
    );
    // Friday evening before a moved day off: 6 March 2026 19:00 → Tuesday 10 March.
    assert_eq!(
        cal.registration_date(datetime!(2026-03-06 19:00), &provider),
        date!(2026 - 03 - 10)
    );
    assert!(provider.is_within(time!(9:00)));
    assert!(!provider.is_within(time!(13:30)));
    assert!(!provider.is_within(time!(18:00)));
    assert!(gk.is_within(time!(19:59)));
}

#[test]
fn deadlines_across_new_year() {
    let cal = Calendar::kazakhstan();
    // 29–31 Dec 2025 count; 1–2 Jan and 7 Jan 2026 do not.
    assert_eq!(
        cal.add_working_days(date!(2025 - 12 - 26), 3),
        date!(2025 - 12 - 31)
    );
    assert_eq!(
        cal.add_working_days(date!(2025 - 12 - 26), 5),
        date!(2026 - 01 - 06)
    );
    assert_eq!(
        cal.add_working_days(date!(2025 - 12 - 26), 6),
        date!(2026 - 01 - 08)
    );
    // 2024/2025: 3 Jan 2025 off, Sunday 5 Jan 2025 worked.
    assert_eq!(
        cal.add_working_days(date!(2024 - 12 - 31), 1),
        date!(2025 - 01 - 05)
    );
    assert_eq!(
        cal.deadline(datetime!(2024-12-31 19:00), &WorkingHours::provider(), 2),
        date!(2025 - 01 - 08)
    );
}

#[test]
fn deadlines_across_the_end_of_august() {
    let cal = Calendar::kazakhstan();
    // 31 August 2026 counts; 1 September 2025 (30 August moved) did not.
    assert_eq!(
        cal.add_working_days(date!(2026 - 08 - 28), 1),
        date!(2026 - 08 - 31)
    );
    assert_eq!(
        cal.add_working_days(date!(2025 - 08 - 29), 1),
        date!(2025 - 09 - 02)
    );
    assert_eq!(
        cal.deadline(datetime!(2025-08-29 19:00), &WorkingHours::provider(), 1),
        date!(2025 - 09 - 03)
    );
}

#[test]
fn zero_days_and_next_working_day() {
    let cal = Calendar::kazakhstan();
    assert_eq!(
        cal.add_working_days(date!(2026 - 03 - 21), 0),
        date!(2026 - 03 - 26)
    );
    assert_eq!(
        cal.add_working_days(date!(2026 - 03 - 26), 0),
        date!(2026 - 03 - 26)
    );
    assert_eq!(
        cal.next_working_day(date!(2025 - 12 - 31)),
        date!(2025 - 12 - 31)
    );
    assert_eq!(
        cal.next_working_day(date!(2026 - 01 - 01)),
        date!(2026 - 01 - 05)
    );
}

#[test]
fn the_end_of_time_does_not_panic() {
    let cal = Calendar::kazakhstan();
    assert_eq!(cal.add_working_days(Date::MAX, 10), Date::MAX);
    assert_eq!(cal.add_working_days(date!(9999 - 12 - 30), 10), Date::MAX);
    let _ = cal.next_working_day(Date::MAX);
    let _ = cal.registration_date(
        PrimitiveDateTime::new(Date::MAX, time!(23:00)),
        &WorkingHours::provider(),
    );
    let _ = cal.deadline(
        PrimitiveDateTime::new(Date::MAX, time!(23:00)),
        &WorkingHours::provider(),
        u32::MAX,
    );
    let _ = cal.add_working_days(Date::MIN, 3);
    // An office that never opens still registers on a working day.
    let closed = WorkingHours {
        days: [false; 7],
        ..WorkingHours::provider()
    };
    assert_eq!(
        cal.registration_date(datetime!(2026-03-04 10:00), &closed),
        date!(2026 - 03 - 05)
    );
}

#[test]
fn calendar_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Calendar>();
}

fn with(extra: &str) -> Result<Calendar, CalendarError> {
    Calendar::from_toml(&format!("{EMBEDDED_TOML}\n{extra}\n"))
}

#[test]
fn a_corrected_calendar_changes_the_results() {
    let cal = with("[[extra_day_off]]\ndate = 2026-04-01\nbasis = \"test\"").unwrap();
    assert!(!cal.is_working_day(date!(2026 - 04 - 01)));
    assert_eq!(cal.reason(date!(2026 - 04 - 01)), Some("test"));
    assert_eq!(
        cal.deadline(datetime!(2026-03-20 16:00), &WorkingHours::provider(), 15),
        date!(2026 - 04 - 16)
    );
    // An extra working day cancels a computed move instead of pushing it on.
    let cal = with("[[extra_working_day]]\ndate = \"2026-03-25\"\nbasis = \"test\"").unwrap();
    assert!(cal.is_working_day(date!(2026 - 03 - 25)));
    assert!(cal.is_working_day(date!(2026 - 03 - 26)));
    assert!(!cal.is_working_day(date!(2026 - 03 - 24)));
    // A new transfer for 2027.
    let cal = with(
        "[[transfer]]\nfrom = 2027-01-09\nto = 2027-01-08\nbasis = \"test\"\n\
         [[day_off]]\ndate = 2027-05-16\nname = \"Kurban Ait\"",
    )
    .unwrap();
    assert_eq!(
        cal.day_kind(date!(2027 - 01 - 09)),
        DayKind::TransferredWorkingDay
    );
    assert_eq!(
        cal.day_kind(date!(2027 - 01 - 08)),
        DayKind::TransferredDayOff
    );
    assert_eq!(cal.day_kind(date!(2027 - 05 - 16)), DayKind::DayOff);
    // A minimal calendar: weekends only.
    let bare = Calendar::from_toml("version = 2026-01-01").unwrap();
    assert_eq!(bare.version(), "2026-01-01");
    assert!(bare.is_working_day(date!(2026 - 01 - 01)));
}

fn error_of(text: &str) -> String {
    match Calendar::from_toml(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn broken_data_names_the_entry() {
    let holiday = |month: i64, day: i64| {
        format!(
            "version = \"x\"\n[[holiday]]\nmonth = 1\nday = 1\nname = \"a\"\n\
             moves_when_on_weekend = true\n[[holiday]]\nmonth = {month}\nday = {day}\n\
             name = \"b\"\nmoves_when_on_weekend = true\n"
        )
    };
    assert_eq!(
        error_of(&holiday(2, 31)),
        "holiday[1].day: 31 is not a day of month 2"
    );
    assert_eq!(
        error_of(&holiday(13, 1)),
        "holiday[1].month: 13 is not a month"
    );
    assert_eq!(
        error_of(&holiday(4, 0)),
        "holiday[1].day: 0 is not a day of month 4"
    );
    assert!(Calendar::from_toml(&holiday(2, 29)).is_ok());

    let e = error_of("version = \"x\"\n[[day_off]]\ndate = \"2026-13-01\"\nname = \"x\"\n");
    assert!(e.starts_with("day_off[0].date: "), "{e}");
    let e = error_of("version = \"x\"\n[[day_off]]\ndate = 2026-05-27T10:00:00\nname = \"x\"\n");
    assert!(e.starts_with("day_off[0].date: "), "{e}");
    let e = with("[[transfer]]\nfrom = 2027-01-11\nto = 2027-01-08\nbasis = \"x\"")
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        e,
        "transfer[1].from: 2027-01-11 is a Monday, not a Saturday or Sunday"
    );
    let e = with("[[extra_day_off]]\ndate = 2025-01-05\nbasis = \"x\"")
        .err()
        .unwrap()
        .to_string();
    assert!(e.starts_with("extra_day_off[0].date: 2025-01-05"), "{e}");
    assert!(e.contains("transfer[0].from"), "{e}");
    let e = error_of(
        "version = \"x\"\n[[holiday]]\nmonth = 1\nday = 1\nname = \"a\"\n\
         moves_when_on_weekend = true\neffective_from = 2026-01-01\n\
         effective_until = 2025-01-01\n",
    );
    assert!(e.starts_with("holiday[0].effective_until: "), "{e}");

    // Syntax, a missing field, an unknown key: toml's message with the place.
    assert!(error_of("version = ").starts_with("calendar TOML: "));
    let e = error_of("version = \"x\"\n[[holiday]]\nmonth = 1\nday = 1\nname = \"a\"\n");
    assert!(e.contains("moves_when_on_weekend"), "{e}");
    let e = error_of("version = \"x\"\n[[holidays]]\nmonth = 1\n");
    assert!(e.contains("holidays"), "{e}");
    assert_eq!(error_of("version = \" \""), "version: is empty");
}

//! Working days in Kazakhstan and the deadline arithmetic of state services.
//!
//! The calendar is data (`kz.toml`, embedded; any deployment may load a corrected copy) so
//! that a new transfer or a changed holiday needs no rebuild. Only the art. 5 rule of the Law
//! "On holidays" (a holiday on a weekend makes the next working day a day off) is code, and
//! explicit entries of the data always win over it.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::macros::time;
use time::{Date, Month, PrimitiveDateTime, Time, Weekday};

/// The embedded calendar data.
pub const EMBEDDED_TOML: &str = include_str!("kz.toml");

/// A calendar file that cannot be used; the message names the offending entry.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// Not TOML, or a field missing, unknown or of the wrong type.
    #[error("calendar TOML: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value that is well-typed but wrong, e.g. `holiday[3].day: 31 is not a day of month 2`.
    #[error("{entry}: {message}")]
    Invalid { entry: String, message: String },
}

fn invalid(entry: impl Into<String>, message: impl Into<String>) -> CalendarError {
    CalendarError::Invalid {
        entry: entry.into(),
        message: message.into(),
    }
}

/// What a date is for counting working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// Monday–Friday with nothing on it (or a weekday made working by a correction).
    Working,
    /// A Saturday or Sunday made working by a transfer.
    TransferredWorkingDay,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// A holiday of the Law "On holidays".
    Holiday,
    /// A day off that is not a holiday and never moves (art. 84: 7 January, Kurban Ait).
    DayOff,
    /// A weekday made a day off: by art. 5 (a holiday fell on a weekend) or by a transfer.
    TransferredDayOff,
}

impl DayKind {
    /// Whether the day counts as a working day.
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Working | DayKind::TransferredWorkingDay)
    }
}

/// A yearly holiday rule.
#[derive(Debug, Clone)]
struct Rule {
    month: Month,
    day: u8,
    name: String,
    moves: bool,
    from: Option<Date>,
    until: Option<Date>,
}

impl Rule {
    fn occurs_on(&self, d: Date) -> bool {
        d.month() == self.month
            && d.day() == self.day
            && self.from.is_none_or(|f| d >= f)
            && self.until.is_none_or(|u| d <= u)
    }
}

/// A dated entry of the data: made working, or made a day off of `kind`.
#[derive(Debug, Clone)]
struct Explicit {
    working: bool,
    kind: DayKind,
    label: String,
    /// The entry's name in the file, for conflict messages.
    entry: String,
}

/// Kazakhstan's (or any loaded) working-day calendar. Cheap to share: `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Calendar {
    version: String,
    rules: Vec<Rule>,
    explicit: BTreeMap<Date, Explicit>,
}

// ---- The file format -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    version: toml::Value,
    #[serde(default)]
    holiday: Vec<RawHoliday>,
    #[serde(default)]
    day_off: Vec<RawDayOff>,
    #[serde(default)]
    transfer: Vec<RawTransfer>,
    #[serde(default)]
    extra_day_off: Vec<RawCorrection>,
    #[serde(default)]
    extra_working_day: Vec<RawCorrection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    month: i64,
    day: i64,
    name: String,
    moves_when_on_weekend: bool,
    effective_from: Option<toml::Value>,
    effective_until: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDayOff {
    date: toml::Value,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTransfer {
    from: toml::Value,
    to: toml::Value,
    basis: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCorrection {
    date: toml::Value,
    basis: String,
}

/// A TOML date (`2026-05-27`) or a string holding one.
fn date_value(entry: &str, v: &toml::Value) -> Result<Date, CalendarError> {
    let bad = || invalid(entry, format!("expected a date like 2026-05-27, found {v}"));
    match v {
        toml::Value::Datetime(dt) => {
            let (Some(d), None, None) = (dt.date, dt.time, dt.offset) else {
                return Err(bad());
            };
            let month = Month::try_from(d.month).map_err(|_| bad())?;
            Date::from_calendar_date(i32::from(d.year), month, d.day).map_err(|_| bad())
        }
        toml::Value::String(s) => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            Date::parse(s.trim(), format).map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn month_len_max(month: Month) -> u8 {
    // Leap-year length: 29 February is a valid rule that simply skips other years.
    time::util::days_in_month(month, 2024)
}

impl Calendar {
    /// The embedded Kazakhstan calendar. Its data is tested, so the fallback (no holidays)
    /// exists only to keep this infallible.
    pub fn kazakhstan() -> Calendar {
        Calendar::from_toml(EMBEDDED_TOML).unwrap_or_else(|_| Calendar {
            version: String::from("invalid-embedded"),
            rules: Vec::new(),
            explicit: BTreeMap::new(),
        })
    }

    /// Loads and validates a calendar in the `kz.toml` schema.
    pub fn from_toml(text: &str) -> Result<Calendar, CalendarError> {
        let raw: RawCalendar = toml::from_str(text)?;
        let version = match &raw.version {
            toml::Value::String(s) => s.trim().to_owned(),
            toml::Value::Datetime(d) => d.to_string(),
            other => {
                return Err(invalid(
                    "version",
                    format!("expected a string, found {other}"),
                ));
            }
        };
        if version.is_empty() {
            return Err(invalid("version", "is empty"));
        }

        let mut rules = Vec::with_capacity(raw.holiday.len());
        for (i, h) in raw.holiday.iter().enumerate() {
            let entry = |field: &str| format!("holiday[{i}].{field}");
            let month = u8::try_from(h.month)
                .ok()
                .and_then(|m| Month::try_from(m).ok())
                .ok_or_else(|| invalid(entry("month"), format!("{} is not a month", h.month)))?;
            let day = u8::try_from(h.day)
                .ok()
                .filter(|&d| d >= 1 && d <= month_len_max(month))
                .ok_or_else(|| {
                    invalid(
                        entry("day"),
                        format!("{} is not a day of month {}", h.day, h.month),
                    )
                })?;
            if h.name.trim().is_empty() {
                return Err(invalid(entry("name"), "is empty"));
            }
            let from = h
                .effective_from
                .as_ref()
                .map(|v| date_value(&entry("effective_from"), v))
                .transpose()?;
            let until = h
                .effective_until
                .as_ref()
                .map(|v| date_value(&entry("effective_until"), v))
                .transpose()?;
            if let (Some(f), Some(u)) = (from, until)
                && u < f
            {
                return Err(invalid(
                    entry("effective_until"),
                    format!("{u} is before effective_from {f}"),
                ));
            }
            rules.push(Rule {
                month,
                day,
                name: h.name.clone(),
                moves: h.moves_when_on_weekend,
                from,
                until,
            });
        }

        let mut explicit = BTreeMap::new();
        for (i, e) in raw.day_off.iter().enumerate() {
            let entry = format!("day_off[{i}].date");
            let d = date_value(&entry, &e.date)?;
            add_explicit(&mut explicit, d, false, DayKind::DayOff, &e.name, entry)?;
        }
        for (i, t) in raw.transfer.iter().enumerate() {
            let from_entry = format!("transfer[{i}].from");
            let from = date_value(&from_entry, &t.from)?;
            if !is_weekend(from) {
                return Err(invalid(
                    from_entry,
                    format!("{from} is a {}, not a Saturday or Sunday", from.weekday()),
                ));
            }
            let to_entry = format!("transfer[{i}].to");
            let to = date_value(&to_entry, &t.to)?;
            if is_weekend(to) {
                return Err(invalid(
                    to_entry,
                    format!("{to} is a {}, not a weekday", to.weekday()),
                ));
            }
            add_explicit(
                &mut explicit,
                from,
                true,
                DayKind::Working,
                &t.basis,
                from_entry,
            )?;
            let kind = DayKind::TransferredDayOff;
            add_explicit(&mut explicit, to, false, kind, &t.basis, to_entry)?;
        }
        for (i, e) in raw.extra_day_off.iter().enumerate() {
            let entry = format!("extra_day_off[{i}].date");
            let d = date_value(&entry, &e.date)?;
            add_explicit(&mut explicit, d, false, DayKind::DayOff, &e.basis, entry)?;
        }
        for (i, e) in raw.extra_working_day.iter().enumerate() {
            let entry = format!("extra_working_day[{i}].date");
            let d = date_value(&entry, &e.date)?;
            add_explicit(&mut explicit, d, true, DayKind::Working, &e.basis, entry)?;
        }

        Ok(Calendar {
            version,
            rules,
            explicit,
        })
    }

    /// The data revision (`version` in the TOML).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// What `d` is.
    pub fn day_kind(&self, d: Date) -> DayKind {
        Cursor::new(self).classify(d).0
    }

    /// Why `d` is not an ordinary day: the holiday's name (also for a day moved by art. 5)
    /// or the basis of a transfer or correction. `None` for ordinary days.
    pub fn reason(&self, d: Date) -> Option<&str> {
        Cursor::new(self).classify(d).1
    }

    /// Whether `d` counts as a working day.
    pub fn is_working_day(&self, d: Date) -> bool {
        self.day_kind(d).is_working()
    }

    /// `d` itself if working, else the next working day (`Date::MAX` at the end of time).
    pub fn next_working_day(&self, d: Date) -> Date {
        let mut cursor = Cursor::new(self);
        let mut day = d;
        loop {
            if cursor.is_working(day) {
                return day;
            }
            match day.next_day() {
                Some(next) => day = next,
                None => return day,
            }
        }
    }

    /// The date `n` working days after `start`, `start` itself not counted; for `n = 0`, the
    /// first working day on or after `start`. Saturates at `Date::MAX`.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        if n == 0 {
            return self.next_working_day(start);
        }
        let mut cursor = Cursor::new(self);
        let mut day = start;
        let mut left = n;
        while left > 0 {
            match day.next_day() {
                Some(next) => day = next,
                None => return day,
            }
            if cursor.is_working(day) {
                left -= 1;
            }
        }
        day
    }

    /// Whether the office with `hours` receives people on `d`: on its weekdays unless the
    /// calendar makes the day a holiday or day off, and on any transferred working day.
    pub fn is_open_on(&self, d: Date, hours: &WorkingHours) -> bool {
        Cursor::new(self).is_open(d, hours)
    }

    /// The date an application received at `received` (local time) is registered: that
    /// day if it is a working day the office is open and it arrived before closing time,
    /// else the next such day (Administrative Procedural Code art. 64).
    pub fn registration_date(&self, received: PrimitiveDateTime, hours: &WorkingHours) -> Date {
        let mut cursor = Cursor::new(self);
        let registers =
            |cursor: &mut Cursor<'_>, d: Date| cursor.is_working(d) && cursor.is_open(d, hours);
        let day = received.date();
        if received.time() < hours.close && registers(&mut cursor, day) {
            return day;
        }
        let mut next = day;
        // An office that opens on no working day within a year: fall back to the calendar.
        for _ in 0..366 {
            match next.next_day() {
                Some(n) => next = n,
                None => return next,
            }
            if registers(&mut cursor, next) {
                return next;
            }
        }
        self.next_working_day(day.next_day().unwrap_or(day))
    }

    /// The due date: `working_days` after the registration date, which is not counted
    /// (Law on state services art. 20 p. 1).
    pub fn deadline(
        &self,
        received: PrimitiveDateTime,
        hours: &WorkingHours,
        working_days: u32,
    ) -> Date {
        self.add_working_days(self.registration_date(received, hours), working_days)
    }

    /// The day's kind from the data alone (rules and dated entries, no art. 5 moves),
    /// with its reason; `None` for a day the weekday decides.
    fn base(&self, d: Date) -> Option<(DayKind, &str)> {
        let explicit = self.explicit.get(&d);
        if let Some(e) = explicit.filter(|e| e.working) {
            let kind = if is_weekend(d) {
                DayKind::TransferredWorkingDay
            } else {
                DayKind::Working
            };
            return Some((kind, e.label.as_str()));
        }
        let mut art84 = None;
        for r in self.rules.iter().filter(|r| r.occurs_on(d)) {
            if r.moves {
                return Some((DayKind::Holiday, r.name.as_str()));
            }
            art84.get_or_insert(r.name.as_str());
        }
        if let Some(name) = art84 {
            return Some((DayKind::DayOff, name));
        }
        explicit.map(|e| (e.kind, e.label.as_str()))
    }

    /// Art. 5 moves landing in `year`, each with the moved holiday's name. Holidays of the
    /// year before are included so that a late-December holiday may move into January.
    fn moves_into(&self, year: i32) -> BTreeMap<Date, &str> {
        let mut holidays: BTreeMap<Date, &str> = BTreeMap::new();
        for y in [year.checked_sub(1), Some(year)].into_iter().flatten() {
            for r in self.rules.iter().filter(|r| r.moves) {
                let Ok(d) = Date::from_calendar_date(y, r.month, r.day) else {
                    continue;
                };
                if is_weekend(d) && matches!(self.base(d), Some((DayKind::Holiday, _))) {
                    holidays.entry(d).or_insert(r.name.as_str());
                }
            }
        }
        let mut moved = BTreeMap::new();
        for (holiday, name) in holidays {
            let mut day = holiday;
            // A free weekday is always within a few days; the bound guards odd data.
            for _ in 0..366 {
                let Some(next) = day.next_day() else { break };
                day = next;
                let free = !is_weekend(day)
                    && matches!(self.base(day), None | Some((DayKind::Working, _)))
                    && !moved.contains_key(&day);
                if free {
                    moved.insert(day, name);
                    break;
                }
            }
        }
        moved.retain(|d, _| d.year() == year);
        moved
    }
}

fn add_explicit(
    map: &mut BTreeMap<Date, Explicit>,
    d: Date,
    working: bool,
    kind: DayKind,
    label: &str,
    entry: String,
) -> Result<(), CalendarError> {
    if let Some(existing) = map.get(&d) {
        if existing.working != working {
            return Err(invalid(
                entry,
                format!(
                    "{d} is made {} here and {} by {}",
                    if working { "working" } else { "a day off" },
                    if existing.working {
                        "working"
                    } else {
                        "a day off"
                    },
                    existing.entry
                ),
            ));
        }
        // Two days-off entries on one date: the art. 84 kind wins over a transfer.
        if existing.kind == DayKind::DayOff || kind != DayKind::DayOff {
            return Ok(());
        }
    }
    map.insert(
        d,
        Explicit {
            working,
            kind,
            label: label.to_owned(),
            entry,
        },
    );
    Ok(())
}

/// Classifies days in order, computing each year's art. 5 moves once.
struct Cursor<'a> {
    cal: &'a Calendar,
    year: Option<i32>,
    moved: BTreeMap<Date, &'a str>,
}

impl<'a> Cursor<'a> {
    fn new(cal: &'a Calendar) -> Cursor<'a> {
        Cursor {
            cal,
            year: None,
            moved: BTreeMap::new(),
        }
    }

    fn classify(&mut self, d: Date) -> (DayKind, Option<&'a str>) {
        if let Some((kind, reason)) = self.cal.base(d) {
            return (kind, Some(reason));
        }
        if is_weekend(d) {
            return (DayKind::Weekend, None);
        }
        if self.year != Some(d.year()) {
            self.moved = self.cal.moves_into(d.year());
            self.year = Some(d.year());
        }
        match self.moved.get(&d) {
            Some(name) => (DayKind::TransferredDayOff, Some(*name)),
            None => (DayKind::Working, None),
        }
    }

    fn is_working(&mut self, d: Date) -> bool {
        self.classify(d).0.is_working()
    }

    fn is_open(&mut self, d: Date, hours: &WorkingHours) -> bool {
        match self.classify(d).0 {
            DayKind::TransferredWorkingDay => true,
            DayKind::Working | DayKind::Weekend => hours.works_on(d.weekday()),
            DayKind::Holiday | DayKind::DayOff | DayKind::TransferredDayOff => false,
        }
    }
}

/// Opening hours of a service point, for deciding when an application is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    /// Open on these days of the week, Monday first (`days[0]` is Monday). Holidays and
    /// days off close the office anyway; transferred working days open it.
    pub days: [bool; 7],
    pub open: Time,
    /// Applications arriving at or after this time are registered the next working day.
    pub close: Time,
    pub lunch: Option<(Time, Time)>,
}

impl WorkingHours {
    /// Service providers: Monday–Friday 9:00–18:00, lunch 13:00–14:00.
    pub fn provider() -> WorkingHours {
        WorkingHours {
            days: [true, true, true, true, true, false, false],
            open: time!(9:00),
            close: time!(18:00),
            lunch: Some((time!(13:00), time!(14:00))),
        }
    }

    /// The State Corporation: Monday–Saturday 9:00–20:00 without a break.
    pub fn state_corporation() -> WorkingHours {
        WorkingHours {
            days: [true, true, true, true, true, true, false],
            open: time!(9:00),
            close: time!(20:00),
            lunch: None,
        }
    }

    /// Whether the schedule includes this day of the week.
    pub fn works_on(&self, w: Weekday) -> bool {
        let i = usize::from(w.number_days_from_monday());
        self.days.get(i).copied().unwrap_or(false)
    }

    /// Whether `t` is within opening hours and outside the lunch break.
    pub fn is_within(&self, t: Time) -> bool {
        self.open <= t && t < self.close && self.lunch.is_none_or(|(a, b)| t < a || t >= b)
    }
}

#[cfg(test)]
mod tests;

//! Validation with JSON paths: every problem names the field it is about.

use std::fmt;

use time::Date;

use crate::lang::ids;

/// One validation problem, located by a JSON path such as `$.pupil.iin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Limits that keep a compile bounded: Typst compiles cannot be cancelled.
pub mod limits {
    /// Names, positions, short identifiers.
    pub const SHORT: usize = 200;
    /// Organisation names, addresses, titles.
    pub const MEDIUM: usize = 500;
    /// Free-text paragraphs (conclusions, reasons).
    pub const LONG: usize = 2_000;
    /// Rows of any table or list.
    pub const ROWS: usize = 40;
}

/// Collects problems while walking a payload; keeps the current JSON path.
#[derive(Debug, Default)]
pub struct Checker {
    path: Vec<String>,
    problems: Vec<Problem>,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` with `name` appended to the path.
    pub fn field(&mut self, name: &str, f: impl FnOnce(&mut Self)) {
        self.path.push(format!(".{name}"));
        f(self);
        self.path.pop();
    }

    /// Runs `f` for every element of a list, with `[i]` appended to the path, after checking
    /// the list's length.
    pub fn list<T>(
        &mut self,
        name: &str,
        items: &[T],
        min: usize,
        mut f: impl FnMut(&mut Self, &T),
    ) {
        self.field(name, |c| {
            if items.len() < min {
                c.fail(format!("needs at least {min} item(s), has {}", items.len()));
            }
            if items.len() > limits::ROWS {
                c.fail(format!(
                    "at most {} items allowed, has {}",
                    limits::ROWS,
                    items.len()
                ));
                return;
            }
            for (i, item) in items.iter().enumerate() {
                c.path.push(format!("[{i}]"));
                f(c, item);
                c.path.pop();
            }
        });
    }

    /// Records a problem at the current path.
    pub fn fail(&mut self, message: impl Into<String>) {
        self.problems.push(Problem {
            path: self.current(),
            message: message.into(),
        });
    }

    fn current(&self) -> String {
        let mut s = String::from("$");
        for p in &self.path {
            s.push_str(p);
        }
        s
    }

    /// A required text: not blank, at most `max` characters, no control characters.
    pub fn text(&mut self, name: &str, value: &str, max: usize) {
        self.field(name, |c| c.check_text(value, max));
    }

    /// An optional text: when present, the same rules as [`Checker::text`].
    pub fn opt_text(&mut self, name: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.text(name, v, max);
        }
    }

    fn check_text(&mut self, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.fail("must not be empty");
            return;
        }
        let len = value.chars().count();
        if len > max {
            self.fail(format!("at most {max} characters allowed, has {len}"));
        }
        if value.chars().any(|ch| ch.is_control() && ch != '\n') {
            self.fail("must not contain control characters");
        }
    }

    pub fn iin(&mut self, name: &str, value: &str) {
        self.field(name, |c| {
            if let Err(e) = ids::validate_iin(value) {
                c.fail(e.to_string());
            }
        });
    }

    pub fn bin(&mut self, name: &str, value: &str) {
        self.field(name, |c| {
            if let Err(e) = ids::validate_bin(value) {
                c.fail(e.to_string());
            }
        });
    }

    /// `earlier` must not be after `later`; the problem is reported at `name`.
    pub fn date_order(&mut self, name: &str, earlier: Date, later: Date, what: &str) {
        if earlier > later {
            self.field(name, |c| c.fail(format!("must not be before {what}")));
        }
    }

    /// A whole number in an inclusive range.
    pub fn range(&mut self, name: &str, value: i64, min: i64, max: i64) {
        if value < min || value > max {
            self.field(name, |c| {
                c.fail(format!("must be between {min} and {max}, is {value}"))
            });
        }
    }

    pub fn into_result(self) -> Result<(), Vec<Problem>> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems)
        }
    }
}

/// Implemented by every part of a payload that has rules beyond its JSON shape.
pub trait Validate {
    fn validate(&self, c: &mut Checker);
}

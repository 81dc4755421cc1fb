//! Kazakh and Russian language machinery: dates, numbers in words, names, identifiers.

pub mod dates;
pub mod ids;
pub mod names;
pub mod numbers;

/// A single document language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Kk,
    Ru,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Kk => "kk",
            Lang::Ru => "ru",
        }
    }
}

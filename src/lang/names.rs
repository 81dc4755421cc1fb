//! Person names (Т.А.Ә. / ФИО): surname, given name, optional patronymic.

/// A name as printed on documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub surname: String,
    pub given_name: String,
    pub patronymic: Option<String>,
}

/// «А.» from «Асқар»: the first character, upper-cased (Kazakh letters included).
fn initial(s: &str) -> Option<String> {
    s.trim()
        .chars()
        .next()
        .map(|c| format!("{}.", c.to_uppercase()))
}

/// Joins the non-empty parts with single spaces, so a missing part leaves no stray space.
fn join<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl PersonName {
    /// The patronymic if there is one: an empty or blank one counts as absent («при его
    /// наличии»).
    fn patronymic(&self) -> Option<&str> {
        self.patronymic
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }

    /// «Серікбаев Асқар Болатұлы», surname first, as in Т.А.Ә. / ФИО fields.
    pub fn full(&self) -> String {
        join([
            self.surname.as_str(),
            self.given_name.as_str(),
            self.patronymic().unwrap_or_default(),
        ])
    }

    /// «А.Б. Серікбаев» (or «А. Серікбаев»): the initials-first form of signature lines.
    pub fn initials_surname(&self) -> String {
        join([self.initials().as_str(), self.surname.as_str()])
    }

    /// «Серікбаев А.Б.»: surname first, for lists.
    pub fn surname_initials(&self) -> String {
        join([self.surname.as_str(), self.initials().as_str()])
    }

    /// «СЕРІКБАЕВ АСҚАР БОЛАТҰЛЫ» for signer tables, which print names in capitals.
    pub fn upper_full(&self) -> String {
        self.full().to_uppercase()
    }

    fn initials(&self) -> String {
        let mut s = initial(&self.given_name).unwrap_or_default();
        if let Some(p) = self.patronymic().and_then(initial) {
            s.push_str(&p);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str, g: &str, p: Option<&str>) -> PersonName {
        PersonName {
            surname: s.into(),
            given_name: g.into(),
            patronymic: p.map(Into::into),
        }
    }

    #[test]
    fn forms() {
        let n = name("Серікбаев", "Асқар", Some("Болатұлы"));
        assert_eq!(n.full(), "Серікбаев Асқар Болатұлы");
        assert_eq!(n.initials_surname(), "А.Б. Серікбаев");
        assert_eq!(n.surname_initials(), "Серікбаев А.Б.");
        assert_eq!(n.upper_full(), "СЕРІКБАЕВ АСҚАР БОЛАТҰЛЫ");

        let n = name("Иванова", "Мария", Some("Петровна"));
        assert_eq!(n.full(), "Иванова Мария Петровна");
        assert_eq!(n.initials_surname(), "М.П. Иванова");
        assert_eq!(n.surname_initials(), "Иванова М.П.");
        assert_eq!(n.upper_full(), "ИВАНОВА МАРИЯ ПЕТРОВНА");

        let n = name("Ли", "Виктор", None);
        assert_eq!(n.full(), "Ли Виктор");
        assert_eq!(n.initials_surname(), "В. Ли");
        assert_eq!(n.surname_initials(), "Ли В.");
    }

    #[test]
    fn blank_patronymic_is_absent() {
        for p in [Some(""), Some("  "), Some("\t"), None] {
            let n = name("Жұмабекова", "Әсел", p);
            assert_eq!(n.full(), "Жұмабекова Әсел");
            assert_eq!(n.initials_surname(), "Ә. Жұмабекова");
            assert_eq!(n.surname_initials(), "Жұмабекова Ә.");
        }
        // Stray spaces from input do not reach the document.
        let n = name(" Серікбаев ", " Асқар", Some(" Болатұлы "));
        assert_eq!(n.full(), "Серікбаев Асқар Болатұлы");
        assert_eq!(n.initials_surname(), "А.Б. Серікбаев");
        // A missing given name leaves no leading space.
        assert_eq!(name("Ким", "", None).initials_surname(), "Ким");
        assert_eq!(name("Ким", " ", None).surname_initials(), "Ким");
    }

    #[test]
    fn kazakh_letters() {
        // Every Kazakh-specific letter upper-cases to its Kazakh capital.
        assert_eq!("әғқңөұүһі".to_uppercase(), "ӘҒҚҢӨҰҮҺІ");
        for (given, init) in [
            ("әсел", "Ә."),
            ("ғалым", "Ғ."),
            ("қайрат", "Қ."),
            ("ңғ", "Ң."),
            ("өмір", "Ө."),
            ("ұлан", "Ұ."),
            ("үміт", "Ү."),
            ("һадия", "Һ."),
            ("індира", "І."),
        ] {
            assert_eq!(
                name("Сұлтан", given, None).initials_surname(),
                format!("{init} Сұлтан")
            );
        }
        assert_eq!(
            name("өмірзақ", "ұлан", Some("іңкәрұлы")).upper_full(),
            "ӨМІРЗАҚ ҰЛАН ІҢКӘРҰЛЫ"
        );
        assert_eq!(
            name("Ғали", "Һамит", Some("үсенқызы")).surname_initials(),
            "Ғали Һ.Ү."
        );
    }
}

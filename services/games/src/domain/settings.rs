//! The settings a template shows on the launch form, their rules, and a user's values
//! parsed against them ([`ServerSettings::parse`]), with one message per field.

use std::collections::BTreeMap;

use regex::Regex;
use serde::Serialize;
use utoipa::ToSchema;

/// What kind of value a setting takes, and its rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SettingKind {
    /// A whole number in `min..=max`.
    Int { min: i64, max: i64 },
    /// One of a few values.
    Choice { choices: Vec<Choice> },
    /// On or off (`true`/`false`).
    Bool,
    /// Free text of at most `max_length` characters matching `pattern` (never control
    /// characters, so a value cannot add a line to a config file or a console).
    Text {
        max_length: usize,
        #[serde(with = "pattern_text")]
        #[schema(value_type = Option<String>)]
        pattern: Option<Regex>,
    },
}

/// One choice of a [`SettingKind::Choice`].
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Choice {
    pub value: String,
    pub label: String,
}

mod pattern_text {
    use regex::Regex;
    use serde::Serializer;

    pub fn serialize<S: Serializer>(pattern: &Option<Regex>, serializer: S) -> Result<S::Ok, S::Error> {
        match pattern {
            Some(p) => serializer.serialize_some(p.as_str()),
            None => serializer.serialize_none(),
        }
    }
}

/// One setting of a template, as the form shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettingRule {
    /// The field name and the `{setting.NAME}` placeholder.
    pub name: String,
    pub label: String,
    /// A hint shown under the field.
    pub help: String,
    #[serde(flatten)]
    pub kind: SettingKind,
    pub default: String,
}

impl SettingRule {
    /// The value the user typed, made canonical, or what to fix.
    ///
    /// # Errors
    /// A value that breaks the rule, with a message naming the field.
    pub fn parse_value(&self, value: &str) -> Result<String, String> {
        let label = &self.label;
        match &self.kind {
            SettingKind::Int { min, max } => {
                let number: i64 =
                    value.trim().parse().map_err(|_| format!("{label} must be a whole number, not {value:?}."))?;
                if !(*min..=*max).contains(&number) {
                    return Err(format!("{label} must be from {min} to {max}, not {number}."));
                }
                Ok(number.to_string())
            }
            SettingKind::Choice { choices } => {
                choices.iter().find(|c| c.value == value.trim()).map(|c| c.value.clone()).ok_or_else(|| {
                    let names: Vec<&str> = choices.iter().map(|c| c.value.as_str()).collect();
                    format!("{label} must be one of {}, not {value:?}.", names.join(", "))
                })
            }
            SettingKind::Bool => match value.trim() {
                "true" | "on" | "1" | "yes" => Ok("true".to_owned()),
                "false" | "off" | "0" | "no" | "" => Ok("false".to_owned()),
                other => Err(format!("{label} must be true or false, not {other:?}.")),
            },
            SettingKind::Text { max_length, pattern } => {
                let value = value.trim();
                if value.chars().any(char::is_control) {
                    return Err(format!("{label} must be one line of text without control characters."));
                }
                if value.chars().count() > *max_length {
                    return Err(format!("{label} is too long: use at most {max_length} characters."));
                }
                if let Some(pattern) = pattern.as_ref().filter(|p| !p.is_match(value)) {
                    return Err(format!("{label} {value:?} is not allowed here (it must match {}).", pattern.as_str()));
                }
                Ok(value.to_owned())
            }
        }
    }
}

/// What to fix, per form field (`""` for the form as a whole).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    #[must_use]
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// All messages in one sentence list, for the API.
    #[must_use]
    pub fn summary(&self) -> String {
        self.0.values().cloned().collect::<Vec<_>>().join(" ")
    }
}

/// A server's settings, each valid for its template; missing ones take the default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerSettings(BTreeMap<String, String>);

impl ServerSettings {
    /// Checks every value against `rules`; names no rule knows are refused.
    ///
    /// # Errors
    /// One message per bad field.
    pub fn parse(rules: &[SettingRule], values: &BTreeMap<String, String>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        for name in values.keys().filter(|name| !rules.iter().any(|r| &r.name == *name)) {
            let known: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
            errors.add(name, format!("This game has no setting {name:?}; its settings are: {}.", known.join(", ")));
        }
        let mut settings = BTreeMap::new();
        for rule in rules {
            let value = values.get(&rule.name).map_or(rule.default.as_str(), String::as_str);
            match rule.parse_value(value) {
                Ok(value) => {
                    settings.insert(rule.name.clone(), value);
                }
                Err(message) => errors.add(&rule.name, message),
            }
        }
        if errors.is_empty() { Ok(Self(settings)) } else { Err(errors) }
    }

    /// Settings read back from the database (checked when stored), filled with defaults for
    /// settings a template gained since.
    #[must_use]
    pub fn from_stored(rules: &[SettingRule], json: &str) -> Self {
        let stored: BTreeMap<String, String> = serde_json::from_str(json).unwrap_or_default();
        let settings = rules
            .iter()
            .map(|r| {
                let value =
                    stored.get(&r.name).and_then(|v| r.parse_value(v).ok()).unwrap_or_else(|| r.default.clone());
                (r.name.clone(), value)
            })
            .collect();
        Self(settings)
    }

    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    #[must_use]
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "{}".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<SettingRule> {
        vec![
            SettingRule {
                name: "players".into(),
                label: "Players".into(),
                help: String::new(),
                kind: SettingKind::Int { min: 1, max: 16 },
                default: "8".into(),
            },
            SettingRule {
                name: "mode".into(),
                label: "Mode".into(),
                help: String::new(),
                kind: SettingKind::Choice {
                    choices: vec![
                        Choice { value: "dm".into(), label: "Deathmatch".into() },
                        Choice { value: "ctf".into(), label: "Capture the flag".into() },
                    ],
                },
                default: "dm".into(),
            },
            SettingRule {
                name: "motd".into(),
                label: "Welcome".into(),
                help: String::new(),
                kind: SettingKind::Text { max_length: 10, pattern: Regex::new("^[a-z ]*$").ok() },
                default: String::new(),
            },
        ]
    }

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_fill_what_is_missing() {
        let settings = ServerSettings::parse(&rules(), &values(&[("players", " 4 ")])).expect("valid");
        assert_eq!(settings.get("players"), Some("4"));
        assert_eq!(settings.get("mode"), Some("dm"));
    }

    #[test]
    fn every_bad_field_gets_its_message() {
        let errors = ServerSettings::parse(
            &rules(),
            &values(&[("players", "99"), ("mode", "race"), ("motd", "hi\nquit"), ("colour", "red")]),
        )
        .expect_err("invalid");
        assert_eq!(errors.get("players"), Some("Players must be from 1 to 16, not 99."));
        assert!(errors.get("mode").is_some_and(|m| m.contains("dm, ctf")));
        assert!(errors.get("motd").is_some_and(|m| m.contains("control characters")));
        assert!(errors.get("colour").is_some_and(|m| m.contains("no setting")));
    }

    #[test]
    fn text_follows_its_pattern_and_length() {
        let rules = rules();
        assert!(rules[2].parse_value("hello; quit").is_err());
        assert!(rules[2].parse_value("much too long text").is_err());
        assert_eq!(rules[2].parse_value("hello"), Ok("hello".to_owned()));
    }
}

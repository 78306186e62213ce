//! How a value is written into a game's config file, by that file's own rules: each format
//! turns a placeholder's value into text the game reads back as exactly that value (quoted,
//! escaped, or in the file's multi-line form), or says why the file cannot hold it. A value
//! can then never end a line, open a block or start a comment in the generated file.

/// The rules of one kind of config file a template writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Text with no rules Hearth knows: only values Hearth or the template chose (numbers,
    /// choices, ports, paths, secrets) may be filled in, never text a member typed.
    Text,
    /// Minetest's `minetest.conf`: `name = value` lines, `"""` opens a multi-line value and
    /// `{` a group; values are trimmed.
    MinetestConf,
    /// Java's `.properties` (Minecraft's `server.properties`, `eula.txt`): backslash escapes,
    /// `\uXXXX` for anything outside printable ASCII, leading spaces dropped unless escaped.
    JavaProperties,
    /// OpenTTD's `.cfg` (an ini file): a value in double quotes is taken as is, with its
    /// spaces and any quotes inside; there are no escapes.
    OpenttdIni,
    /// A Teeworlds config (`-f file`), read as console commands: a string in double quotes
    /// with `\"` and `\\`, so `;` and `#` inside it neither end the command nor start a comment.
    TeeworldsCfg,
}

impl FileFormat {
    /// The formats a template may name, as it names them.
    pub const NAMES: [&'static str; 5] = ["text", "minetest-conf", "java-properties", "openttd-ini", "teeworlds-cfg"];

    /// # Errors
    /// A name that is not one of [`Self::NAMES`].
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "text" => Ok(Self::Text),
            "minetest-conf" => Ok(Self::MinetestConf),
            "java-properties" => Ok(Self::JavaProperties),
            "openttd-ini" => Ok(Self::OpenttdIni),
            "teeworlds-cfg" => Ok(Self::TeeworldsCfg),
            other => Err(format!("format {other:?} must be one of {}", Self::NAMES.join(", "))),
        }
    }

    /// Whether the format knows how to write text a member typed (a server name, a text
    /// setting); [`Self::Text`] does not.
    #[must_use]
    pub fn encodes(self) -> bool {
        self != Self::Text
    }

    /// `value` written so that the game reads back exactly `value` at a value's place.
    ///
    /// # Errors
    /// The file cannot hold this value (a line break anywhere; `"""` in `minetest.conf`), with
    /// what the family can type instead.
    pub fn encode(self, value: &str) -> Result<String, String> {
        if self != Self::JavaProperties && value.contains(['\n', '\r', '\0']) {
            return Err("must stay on one line".to_owned());
        }
        Ok(match self {
            Self::Text => value.to_owned(),
            Self::MinetestConf => minetest(value)?,
            Self::JavaProperties => java_properties(value),
            Self::OpenttdIni => format!("\"{value}\""),
            Self::TeeworldsCfg => format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\"")),
        })
    }
}

/// Minetest reads `name = value` with the value trimmed; a value of exactly `"""` opens a
/// multi-line value that ends at a line `"""`, and `{` opens a group. A value it would
/// misread is written in the multi-line form, whose lines are taken as they are; `"""`
/// itself cannot be written at all (it would end that form).
fn minetest(value: &str) -> Result<String, String> {
    const MULTILINE: &str = "\"\"\"";
    if value.trim() == MULTILINE {
        return Err(format!("cannot be {MULTILINE} (minetest.conf reads it as the start of a longer value)"));
    }
    if value.trim() == "{" || value != value.trim() {
        return Ok(format!("{MULTILINE}\n{value}\n{MULTILINE}"));
    }
    Ok(value.to_owned())
}

/// `java.util.Properties` rules for a value: `\` and the separators escaped, line breaks and
/// tabs as `\n`, `\r`, `\t`, `\f`, a leading space as `\ `, and every character outside
/// printable ASCII as `\uXXXX` (UTF-16), which both ISO 8859-1 and UTF-8 readers take.
fn java_properties(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for (index, c) in value.chars().enumerate() {
        match c {
            '\\' | '=' | ':' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{c}' => out.push_str("\\f"),
            ' ' if index == 0 => out.push_str("\\ "),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::FileFormat;

    /// The reading side of each format, as the game implements it, for the values tests use:
    /// what a `name = <encoded>` line gives back, and whether the next line is still read.
    fn minetest_reads(encoded: &str) -> (String, bool) {
        let file = format!("motd = {encoded}\nmax_users = 4\n");
        let mut lines = file.lines();
        let first = lines.next().unwrap_or_default();
        let value = first.split_once('=').map(|(_, v)| v.trim()).unwrap_or_default();
        if value == "\"\"\"" {
            let mut read = Vec::new();
            for line in lines.by_ref() {
                if line == "\"\"\"" {
                    break;
                }
                read.push(line);
            }
            return (read.join("\n"), lines.next() == Some("max_users = 4"));
        }
        (value.to_owned(), lines.next() == Some("max_users = 4"))
    }

    #[test]
    fn minetest_values_never_swallow_the_next_line() {
        for value in ["Welcome!", "{", " {", "  padded  ", "}", "# not a comment", "a \"\"\" b", "\"\"", ""] {
            let encoded = FileFormat::MinetestConf.encode(value).expect(value);
            assert_eq!(minetest_reads(&encoded), (value.to_owned(), true), "{value:?} as {encoded:?}");
        }
        for value in ["\"\"\"", " \"\"\" ", "two\nlines"] {
            assert!(FileFormat::MinetestConf.encode(value).is_err(), "{value:?} is refused");
        }
    }

    #[test]
    fn java_properties_escape_what_properties_would_read_otherwise() {
        let encode = |v| FileFormat::JavaProperties.encode(v).expect("encodes");
        assert_eq!(encode("A Hearth server"), "A Hearth server");
        assert_eq!(encode(" lead"), "\\ lead");
        assert_eq!(encode("a\\nb"), "a\\\\nb");
        assert_eq!(encode("x=1:y#z!"), "x\\=1\\:y\\#z\\!");
        assert_eq!(encode("line\nnext"), "line\\nnext");
        assert_eq!(encode("Ünïcode ☃ 🎮"), "\\u00DCn\\u00EFcode \\u2603 \\uD83C\\uDFAE");
        assert_eq!(encode("trailing\\"), "trailing\\\\");
    }

    #[test]
    fn openttd_and_teeworlds_quote_the_whole_value() {
        assert_eq!(FileFormat::OpenttdIni.encode("My \"best\" = server "), Ok("\"My \"best\" = server \"".to_owned()));
        assert_eq!(FileFormat::OpenttdIni.encode("8"), Ok("\"8\"".to_owned()));
        assert_eq!(
            FileFormat::TeeworldsCfg.encode("a\"; sv_rcon_password x # \\"),
            Ok("\"a\\\"; sv_rcon_password x # \\\\\"".to_owned())
        );
        assert!(FileFormat::TeeworldsCfg.encode("a\nsv_rcon_password x").is_err());
        assert!(FileFormat::OpenttdIni.encode("a\r\n[network]").is_err());
    }

    #[test]
    fn formats_are_named() {
        for name in FileFormat::NAMES {
            assert!(FileFormat::parse(name).is_ok(), "{name}");
        }
        assert!(FileFormat::parse("toml").is_err_and(|e| e.contains("minetest-conf")));
        assert!(!FileFormat::Text.encodes() && FileFormat::MinetestConf.encodes());
    }
}

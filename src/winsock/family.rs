//! Windows families and architectures: the two facts every table of defaults is keyed on. It
//! depends on nothing in the crate, so defaults and detection can both use it.

use serde::Serialize;

/// Windows releases grouped by what their Winsock catalogs look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Windows NT 4.0 and 2000: `msafd.dll` providers.
    Nt4,
    /// Windows XP and Server 2003.
    #[serde(rename = "xp_2003")]
    Xp2003,
    /// Windows Vista, 7, Server 2008 (R2).
    #[serde(rename = "vista_7")]
    Vista7,
    /// Windows 8, 8.1, Server 2012 (R2).
    #[serde(rename = "win8_81")]
    Win881,
    /// Windows 10, 11, Server 2016 and later.
    #[serde(rename = "win10_11")]
    Win1011,
    Unknown,
}

impl Family {
    pub fn label(self) -> &'static str {
        match self {
            Self::Nt4 => "Windows NT 4.0 / 2000",
            Self::Xp2003 => "Windows XP / Server 2003",
            Self::Vista7 => "Windows Vista / 7",
            Self::Win881 => "Windows 8 / 8.1",
            Self::Win1011 => "Windows 10 / 11",
            Self::Unknown => "unknown Windows version",
        }
    }

    /// The family `--windows` names: `nt4`, `2000`, `xp`, `2003`, `vista`, `7`, `vista7`, `8`,
    /// `8.1`, `10`, `11`.
    pub fn from_user(text: &str) -> Result<Self, String> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "nt4" | "2000" => Self::Nt4,
            "xp" | "2003" => Self::Xp2003,
            "vista" | "7" | "vista7" => Self::Vista7,
            "8" | "8.1" | "81" => Self::Win881,
            "10" | "11" => Self::Win1011,
            other => {
                return Err(format!(
                    "unknown Windows \"{other}\": expected nt4, xp, vista7, 8, 10 (or 2000, 2003, vista, 7, 8.1, 11)"
                ));
            }
        })
    }

    /// The family of a Windows build number (`CurrentBuildNumber`).
    pub fn from_build(build: u32) -> Self {
        match build {
            0..=2195 => Self::Nt4,
            2196..=3790 => Self::Xp2003,
            3791..=7601 => Self::Vista7,
            7602..=9600 => Self::Win881,
            _ => Self::Win1011,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    X86,
    Amd64,
    Arm64,
    Ia64,
    Unknown,
}

impl Arch {
    /// The architecture `--arch` names: `x86`, `amd64` (or `x64`), `arm64`.
    pub fn from_user(text: &str) -> Result<Self, String> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "x86" | "i386" => Self::X86,
            "amd64" | "x64" | "x86_64" => Self::Amd64,
            "arm64" | "aarch64" => Self::Arm64,
            other => {
                return Err(format!(
                    "unknown architecture \"{other}\": expected x86, amd64 or arm64"
                ));
            }
        })
    }
}

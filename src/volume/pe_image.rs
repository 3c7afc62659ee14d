//! Can Windows load a file as a DLL at all, and for which processor? The loader refuses an
//! empty file, a file that is not a PE image, and an image of the other bitness than the
//! process (a 32-bit DLL in a 64-bit program's System32, a 64-bit one in SysWOW64). Parsing is
//! goblin's (bounds-checked: the file may be crafted).

use goblin::pe::header::{
    COFF_MACHINE_ARM64, COFF_MACHINE_ARMNT, COFF_MACHINE_IA64, COFF_MACHINE_X86,
    COFF_MACHINE_X86_64,
};
use serde::Serialize;

/// The processor a PE image is built for (COFF `Machine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Machine {
    X86,
    Amd64,
    Arm64,
    Arm,
    Ia64,
    Other,
}

impl Machine {
    /// 32 or 64; `None` for a machine type this tool does not know.
    pub fn bits(self) -> Option<u8> {
        match self {
            Self::X86 | Self::Arm => Some(32),
            Self::Amd64 | Self::Arm64 | Self::Ia64 => Some(64),
            Self::Other => None,
        }
    }
}

/// The machine of the PE image `bytes`; the error says why Windows cannot load it.
pub fn machine(bytes: &[u8]) -> Result<Machine, String> {
    if bytes.is_empty() {
        return Err("the file is empty (0 bytes)".into());
    }
    if !bytes.starts_with(b"MZ") {
        let head: String = bytes
            .iter()
            .take(16)
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    char::from(b)
                } else {
                    '.'
                }
            })
            .collect();
        return Err(format!(
            "not a PE image: it starts with {head:?}, not \"MZ\""
        ));
    }
    let pe = goblin::pe::PE::parse(bytes).map_err(|e| format!("not a readable PE image: {e}"))?;
    Ok(match pe.header.coff_header.machine {
        COFF_MACHINE_X86 => Machine::X86,
        COFF_MACHINE_X86_64 => Machine::Amd64,
        COFF_MACHINE_ARM64 => Machine::Arm64,
        COFF_MACHINE_ARMNT => Machine::Arm,
        COFF_MACHINE_IA64 => Machine::Ia64,
        _ => Machine::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_and_truncated_files_say_why() {
        assert!(machine(b"").unwrap_err().contains("empty"));
        assert!(
            machine(b"hello world")
                .unwrap_err()
                .contains("\"hello world\"")
        );
        assert!(
            machine(b"MZ")
                .unwrap_err()
                .contains("not a readable PE image")
        );
    }
}

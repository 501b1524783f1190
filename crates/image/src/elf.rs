//! What the image needs to know of an executable: its architecture, and whether it is static
//! (an image without a C library cannot start a dynamically linked program: the kernel reports
//! "no such file or directory" for the missing loader, which is hard to diagnose from a pod).

use std::io::Read as _;
use std::path::Path;

use crate::{Error, Result};

/// The architectures the image can be built for, named as OCI platforms name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    Amd64,
    Arm64,
}

impl Architecture {
    /// The OCI `architecture` (`amd64`, `arm64`).
    pub fn oci_name(self) -> &'static str {
        match self {
            Self::Amd64 => "amd64",
            Self::Arm64 => "arm64",
        }
    }
}

/// An ELF executable's facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elf {
    pub architecture: Architecture,
    /// True when it names no program interpreter (`PT_INTERP`): it runs without a C library.
    pub is_static: bool,
}

/// The ELF header and program headers are read from the start of the file; more is never needed.
const HEADER_BUDGET: u64 = 64 * 1024;
const PT_INTERP: u32 = 3;

impl Elf {
    /// Reads the executable's header.
    pub fn inspect(path: &Path) -> Result<Self> {
        let mut head = Vec::new();
        std::fs::File::open(path)
            .and_then(|file| file.take(HEADER_BUDGET).read_to_end(&mut head))
            .map_err(|source| Error::File {
                what: "cannot read the executable",
                path: path.to_path_buf(),
                source,
            })?;
        Self::parse(&head).map_err(|reason| Error::Executable {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Reads a 64-bit little-endian ELF header and its program headers from `head`.
    pub fn parse(head: &[u8]) -> Result<Self, String> {
        if head.get(..4) != Some(b"\x7fELF") {
            return Err("not an ELF executable".into());
        }
        if head.get(4) != Some(&2) || head.get(5) != Some(&1) {
            return Err("not a 64-bit little-endian ELF executable".into());
        }
        let u16_at = |at: usize| {
            head.get(at..at + 2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
        };
        let u32_at = |at: usize| {
            head.get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let u64_at = |at: usize| {
            head.get(at..at + 8)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_le_bytes)
        };
        let truncated = || "the ELF header is truncated".to_string();
        let architecture = match u16_at(18).ok_or_else(truncated)? {
            0x3e => Architecture::Amd64,
            0xb7 => Architecture::Arm64,
            other => {
                return Err(format!(
                    "ELF machine {other:#x} is neither x86-64 nor aarch64"
                ));
            }
        };
        let phoff =
            usize::try_from(u64_at(0x20).ok_or_else(truncated)?).map_err(|_| truncated())?;
        let phentsize = usize::from(u16_at(0x36).ok_or_else(truncated)?);
        let phnum = usize::from(u16_at(0x38).ok_or_else(truncated)?);
        let mut is_static = true;
        for index in 0..phnum {
            let at = phentsize
                .checked_mul(index)
                .and_then(|offset| offset.checked_add(phoff))
                .ok_or_else(truncated)?;
            let kind = u32_at(at).ok_or_else(|| {
                "the program headers lie beyond the first 64 KiB of the file".to_string()
            })?;
            if kind == PT_INTERP {
                is_static = false;
            }
        }
        Ok(Self {
            architecture,
            is_static,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal ELF header for `machine` with the given program header types.
    fn elf(machine: u16, program_headers: &[u32]) -> Vec<u8> {
        let mut head = vec![0u8; 64];
        head[..4].copy_from_slice(b"\x7fELF");
        head[4] = 2;
        head[5] = 1;
        head[18..20].copy_from_slice(&machine.to_le_bytes());
        head[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        head[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        let count = u16::try_from(program_headers.len()).expect("few headers");
        head[0x38..0x3a].copy_from_slice(&count.to_le_bytes());
        for kind in program_headers {
            let mut header = vec![0u8; 56];
            header[..4].copy_from_slice(&kind.to_le_bytes());
            head.extend(header);
        }
        head
    }

    #[test]
    fn a_program_with_an_interpreter_is_dynamic_and_one_without_is_static() {
        let dynamic = Elf::parse(&elf(0x3e, &[6, PT_INTERP, 1])).expect("parses");
        assert_eq!(dynamic.architecture, Architecture::Amd64);
        assert!(!dynamic.is_static);
        let fixed = Elf::parse(&elf(0xb7, &[1, 1, 4])).expect("parses");
        assert_eq!(fixed.architecture, Architecture::Arm64);
        assert!(fixed.is_static);
    }

    #[test]
    fn what_is_not_a_64_bit_elf_executable_is_refused_with_the_reason() {
        assert!(Elf::parse(b"#!/bin/sh\n").is_err());
        assert!(
            Elf::parse(&elf(0x28, &[]))
                .expect_err("arm32")
                .contains("0x28")
        );
        let mut cut = elf(0x3e, &[1, 1]);
        cut.truncate(80);
        assert!(
            Elf::parse(&cut)
                .expect_err("truncated")
                .contains("program headers")
        );
    }

    #[test]
    fn this_machines_shell_is_read() {
        // A real executable, whichever way the machine's shell was linked.
        let elf = Elf::inspect(Path::new("/bin/sh")).expect("an ELF executable");
        assert!(matches!(
            elf.architecture,
            Architecture::Amd64 | Architecture::Arm64
        ));
    }
}

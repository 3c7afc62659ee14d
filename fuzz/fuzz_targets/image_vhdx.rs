//! The vhdx container reader on any bytes: opening and reading its virtual disk (and the
//! partition tables on it) ends in data or an error, never a panic, hang or huge allocation.
#![no_main]

winsock_doctor_fuzz::fuzz_container!(Vhdx);

//! Decode a namespace provider from an arbitrary set of values; writing it back and decoding
//! again gives the same provider when the value names are distinct (as in any registry key).
#![no_main]

use std::collections::HashSet;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use winsock_doctor::hive::value::RawValue;
use winsock_doctor::winsock::namespace_entry::NamespaceProvider;

/// Names Windows uses, so that the fuzzer reaches the decoding of each.
const NAMES: [&str; 10] = [
    "LibraryPath",
    "DisplayString",
    "ProviderId",
    "SupportedNameSpace",
    "Enabled",
    "Version",
    "StoresServiceClassInfo",
    "ProviderInfo",
    "AddressFamily",
    "libraryPATH",
];

#[derive(Debug, Arbitrary)]
enum Name {
    Known(u8),
    Other(String),
}

#[derive(Debug, Arbitrary)]
struct Value {
    name: Name,
    data_type: u8,
    data: Vec<u8>,
}

fuzz_target!(
    init: {
        winsock_doctor::hive::panic_guard::quiet_contained_panics();
    },
    |values: Vec<Value>| {
    let values: Vec<RawValue> = values
        .into_iter()
        .map(|v| RawValue {
            name: match v.name {
                Name::Known(i) => NAMES[usize::from(i) % NAMES.len()].to_string(),
                Name::Other(name) => name,
            },
            // The small types (REG_NONE..REG_QWORD) are the interesting ones.
            data_type: u32::from(v.data_type % 16),
            data: v.data,
        })
        .collect();
    let provider = NamespaceProvider::from_values(&values);
    let mut names = HashSet::new();
    if !values.iter().all(|v| names.insert(v.name.to_lowercase())) {
        return;
    }
    let again = NamespaceProvider::from_values(&provider.to_values());
    assert_eq!(again, provider);
});

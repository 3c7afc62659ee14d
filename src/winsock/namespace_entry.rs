//! The values of one `NameSpace_Catalog5\Catalog_Entries[64]\NNNNNNNNNNNN` key: a namespace
//! provider (format doc §3).

use serde::Serialize;

use crate::hive::value::{REG_SZ, RawValue, find};
use crate::winsock::guid::Guid;

pub const LIBRARY_PATH: &str = "LibraryPath";
pub const DISPLAY_STRING: &str = "DisplayString";
pub const PROVIDER_ID: &str = "ProviderId";
pub const SUPPORTED_NAME_SPACE: &str = "SupportedNameSpace";
pub const ENABLED: &str = "Enabled";
pub const VERSION: &str = "Version";
pub const STORES_SERVICE_CLASS_INFO: &str = "StoresServiceClassInfo";
pub const PROVIDER_INFO: &str = "ProviderInfo";
/// Read by ReactOS only; no Windows hive has it.
pub const ADDRESS_FAMILY: &str = "AddressFamily";

const KNOWN: [&str; 9] = [
    LIBRARY_PATH,
    DISPLAY_STRING,
    PROVIDER_ID,
    SUPPORTED_NAME_SPACE,
    ENABLED,
    VERSION,
    STORES_SERVICE_CLASS_INFO,
    PROVIDER_INFO,
    ADDRESS_FAMILY,
];

/// A namespace provider as its values describe it. A field is `None` when the value is missing
/// or does not have the type Windows reads it as (the raw value then stays in `other_values`
/// for the diagnosis).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NamespaceProvider {
    pub library_path: Option<String>,
    pub display_string: Option<String>,
    pub provider_id: Option<Guid>,
    pub name_space: Option<u32>,
    pub enabled: Option<u32>,
    pub version: Option<u32>,
    pub stores_service_class_info: Option<u32>,
    #[serde(serialize_with = "optional_hex")]
    pub provider_info: Option<Vec<u8>>,
    pub address_family: Option<u32>,
    /// Values not decoded above: unknown names, and known names with an unexpected type or size.
    pub other_values: Vec<RawValue>,
}

fn optional_hex<S: serde::Serializer>(
    bytes: &Option<Vec<u8>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match bytes {
        Some(b) => serializer.serialize_some(&crate::hive::value::hex(b)),
        None => serializer.serialize_none(),
    }
}

impl NamespaceProvider {
    pub fn from_values(values: &[RawValue]) -> Self {
        let string = |name| find(values, name).and_then(RawValue::as_string);
        let dword = |name| find(values, name).and_then(RawValue::as_dword);
        let provider_id = find(values, PROVIDER_ID)
            .filter(|v| v.data.len() == Guid::LEN)
            .and_then(|v| Guid::from_slice(&v.data));
        let provider_info = find(values, PROVIDER_INFO).map(|v| v.data.clone());
        let mut provider = Self {
            library_path: string(LIBRARY_PATH),
            display_string: string(DISPLAY_STRING),
            provider_id,
            name_space: dword(SUPPORTED_NAME_SPACE),
            enabled: dword(ENABLED),
            version: dword(VERSION),
            stores_service_class_info: dword(STORES_SERVICE_CLASS_INFO),
            provider_info,
            address_family: dword(ADDRESS_FAMILY),
            other_values: Vec::new(),
        };
        provider.other_values = values
            .iter()
            .filter(|v| !provider.decoded(v))
            .cloned()
            .collect();
        provider
    }

    /// Whether `value` is one of the known values and was decoded into a field.
    fn decoded(&self, value: &RawValue) -> bool {
        let Some(known) = KNOWN.iter().find(|k| value.is_named(k)) else {
            return false;
        };
        match *known {
            LIBRARY_PATH => self.library_path.is_some(),
            DISPLAY_STRING => self.display_string.is_some(),
            PROVIDER_ID => self.provider_id.is_some(),
            SUPPORTED_NAME_SPACE => self.name_space.is_some(),
            ENABLED => self.enabled.is_some(),
            VERSION => self.version.is_some(),
            STORES_SERVICE_CLASS_INFO => self.stores_service_class_info.is_some(),
            PROVIDER_INFO => self.provider_info.is_some(),
            _ => self.address_family.is_some(),
        }
    }

    /// The values Windows writes for this provider (REG_SZ strings, as real hives have them
    /// even for `%SystemRoot%` paths), followed by `other_values` unchanged.
    pub fn to_values(&self) -> Vec<RawValue> {
        let mut out = Vec::new();
        if let Some(path) = &self.library_path {
            out.push(RawValue::string(LIBRARY_PATH, REG_SZ, path));
        }
        if let Some(text) = &self.display_string {
            out.push(RawValue::string(DISPLAY_STRING, REG_SZ, text));
        }
        if let Some(id) = self.provider_id {
            out.push(RawValue::binary(PROVIDER_ID, &id.to_bytes()));
        }
        for (name, field) in [
            (SUPPORTED_NAME_SPACE, self.name_space),
            (ENABLED, self.enabled),
            (VERSION, self.version),
            (STORES_SERVICE_CLASS_INFO, self.stores_service_class_info),
        ] {
            if let Some(n) = field {
                out.push(RawValue::dword(name, n));
            }
        }
        if let Some(info) = &self.provider_info {
            out.push(RawValue::binary(PROVIDER_INFO, info));
        }
        if let Some(af) = self.address_family {
            out.push(RawValue::dword(ADDRESS_FAMILY, af));
        }
        out.extend(self.other_values.iter().cloned());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hive::value::REG_EXPAND_SZ;

    fn dns_provider() -> NamespaceProvider {
        NamespaceProvider {
            library_path: Some(r"%SystemRoot%\System32\mswsock.dll".into()),
            display_string: Some(r"@%SystemRoot%\system32\wshtcpip.dll,-60103".into()),
            provider_id: Some("{22059D40-7E9E-11CF-AE5A-00AA00A7112B}".parse().unwrap()),
            name_space: Some(12),
            enabled: Some(1),
            version: Some(0),
            stores_service_class_info: Some(0),
            provider_info: Some(Vec::new()),
            address_family: None,
            other_values: Vec::new(),
        }
    }

    #[test]
    fn values_round_trip() {
        let provider = dns_provider();
        let values = provider.to_values();
        assert_eq!(values.len(), 8);
        assert_eq!(NamespaceProvider::from_values(&values), provider);
    }

    #[test]
    fn names_match_ignoring_case_and_odd_types_are_kept_raw() {
        let mut values = dns_provider().to_values();
        values[0].name = "librarypath".into();
        values[0].data_type = REG_EXPAND_SZ;
        // InjectionMgr writes this name with a lower-case i.
        values[6].name = "StoresServiceClassinfo".into();
        values.push(RawValue::binary("Enabled2", &[1]));
        let wrong_type = RawValue::binary(VERSION, &[0, 0, 0, 0]);
        values[5] = wrong_type.clone();
        let provider = NamespaceProvider::from_values(&values);
        assert_eq!(
            provider.library_path.as_deref(),
            Some(r"%SystemRoot%\System32\mswsock.dll")
        );
        assert_eq!(provider.stores_service_class_info, Some(0));
        assert_eq!(provider.version, None);
        assert_eq!(provider.other_values.len(), 2);
        assert!(provider.other_values.contains(&wrong_type));
    }
}

//! The service keys Winsock depends on: `Services\Winsock\Parameters` (the transports list),
//! each transport's WSH helper registration `Services\<T>\Parameters\Winsock`, and driver service
//! keys such as `Services\AFD` (format doc §1.7-1.9).

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::reader::{HiveReader, Key};
use crate::hive::value::{RawValue, find};
use crate::winsock::guid::Guid;
use crate::winsock::mapping::WinsockMapping;

/// `Services\Winsock\Parameters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WinsockParameters {
    /// `Transports` (REG_MULTI_SZ): services with a WSH helper.
    pub transports: Option<Vec<String>>,
    pub values: Vec<RawValue>,
}

/// A transport's `Parameters\Winsock` key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransportHelper {
    /// The transport's service name, as listed in `Transports`.
    pub name: String,
    /// Whether `Services\<name>\Parameters\Winsock` exists; the fields are empty when not.
    pub present: bool,
    pub helper_dll_name: Option<String>,
    pub mapping: Option<WinsockMapping>,
    /// Why `Mapping` could not be decoded, when it exists but is malformed.
    pub mapping_error: Option<String>,
    pub min_sockaddr_length: Option<u32>,
    pub max_sockaddr_length: Option<u32>,
    pub use_delayed_acceptance: Option<u32>,
    pub offline_capable: Option<u32>,
    pub provider_guid: Option<Guid>,
    pub values: Vec<RawValue>,
}

/// A service key's common values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceKey {
    pub name: String,
    pub start: Option<u32>,
    #[serde(rename = "type")]
    pub service_type: Option<u32>,
    pub error_control: Option<u32>,
    pub image_path: Option<String>,
    pub group: Option<String>,
    pub display_name: Option<String>,
    pub values: Vec<RawValue>,
    pub subkeys: Vec<String>,
}

pub fn read_winsock_parameters(
    reader: &HiveReader<'_>,
    services: &Key<'_>,
) -> Result<Option<WinsockParameters>, FormatError> {
    let Some(key) = reader.open(services, r"Winsock\Parameters")? else {
        return Ok(None);
    };
    let values = reader.values(&key)?;
    Ok(Some(WinsockParameters {
        transports: find(&values, "Transports").and_then(RawValue::as_multi_string),
        values,
    }))
}

pub fn read_transport(
    reader: &HiveReader<'_>,
    services: &Key<'_>,
    name: &str,
) -> Result<TransportHelper, FormatError> {
    // A name from the hive is one key name, never a path.
    let key = match reader.subkey(services, name)? {
        Some(service) => reader.open(&service, r"Parameters\Winsock")?,
        None => None,
    };
    let values = match &key {
        Some(key) => reader.values(key)?,
        None => Vec::new(),
    };
    let dword = |n| find(&values, n).and_then(RawValue::as_dword);
    let (mapping, mapping_error) =
        match find(&values, "Mapping").map(|v| WinsockMapping::decode(&v.data)) {
            Some(Ok(m)) => (Some(m), None),
            Some(Err(e)) => (None, Some(e.to_string())),
            None => (None, None),
        };
    Ok(TransportHelper {
        name: name.to_string(),
        present: key.is_some(),
        helper_dll_name: find(&values, "HelperDllName").and_then(RawValue::as_string),
        mapping,
        mapping_error,
        min_sockaddr_length: dword("MinSockaddrLength"),
        max_sockaddr_length: dword("MaxSockaddrLength"),
        use_delayed_acceptance: dword("UseDelayedAcceptance"),
        offline_capable: dword("OfflineCapable"),
        provider_guid: find(&values, "ProviderGUID")
            .filter(|v| v.data.len() == Guid::LEN)
            .and_then(|v| Guid::from_slice(&v.data)),
        values,
    })
}

pub fn read_service(
    reader: &HiveReader<'_>,
    services: &Key<'_>,
    name: &str,
) -> Result<Option<ServiceKey>, FormatError> {
    let Some(key) = reader.subkey(services, name)? else {
        return Ok(None);
    };
    let values = reader.values(&key)?;
    let subkeys = reader.subkey_names(&key)?;
    let dword = |n| find(&values, n).and_then(RawValue::as_dword);
    let string = |n| find(&values, n).and_then(RawValue::as_string);
    Ok(Some(ServiceKey {
        name: reader.name(&key)?,
        start: dword("Start"),
        service_type: dword("Type"),
        error_control: dword("ErrorControl"),
        image_path: string("ImagePath"),
        group: string("Group"),
        display_name: string("DisplayName"),
        values,
        subkeys,
    }))
}

//! Are the DLLs the Winsock configuration names on the volume, and what are they? Every
//! provider DLL of both protocol catalogs and both namespace catalogs, `AutodialDLL`,
//! `NameSpace_Callout` and each transport's `HelperDllName` is located (see
//! [`crate::volume::library_path`]), looked up without leaving the volume (see
//! [`crate::volume::confine`]), then measured: size, SHA-256 and version resource.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::hive::image::{sha256_hex, sha256_of_reader};
use crate::report::json_path;
use crate::volume::confine::{Confined, VolumeRoot};
use crate::volume::library_path::{Located, SystemLayout, View};
use crate::volume::pe_image::{Machine, machine};
use crate::volume::pe_version::{VersionStrings, read_version};
use crate::winsock::catalog::{
    CATALOG_ENTRIES, CATALOG_ENTRIES64, CatalogList, ControlSetCatalogs,
};
use crate::winsock::packed_item::BASE_PROTOCOL;

/// Files larger than this are hashed but not parsed for a version resource (system DLLs are a
/// few MB; this bounds memory on a crafted volume).
pub const MAX_PE_READ: u64 = 256 * 1024 * 1024;

/// What registers a DLL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DllRole {
    ProtocolProvider,
    NamespaceProvider,
    AutodialDll,
    NamespaceCallout,
    TransportHelper,
}

/// One registry value naming a DLL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DllReference {
    /// The key holding the value, from the hive root.
    pub key: String,
    pub value: String,
    pub role: DllRole,
    /// The protocol entry's ChainLen (1 = base provider, 0 = layered, more = chain).
    pub chain_len: Option<i32>,
    pub catalog_entry_id: Option<u32>,
    /// Winsock loads this entry: its key number is within the catalog's count. Always true for
    /// the values outside the catalogs.
    pub in_use: bool,
    /// The protocol or namespace provider name, as stored.
    pub name: Option<String>,
}

/// The outcome of looking for one DLL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DllStatus {
    Found,
    Missing,
    /// The path would read outside the volume (UNC, device, `..`, a link leading out).
    OutsideVolume,
    /// On a drive other than the system drive: not on this volume, not checked.
    OtherDrive,
    /// The path cannot be placed (unknown variable, relative folder, bad name).
    Unresolved,
    /// A folder or special file where the DLL should be.
    NotAFile,
    /// Exists but could not be read.
    Unreadable,
}

/// One DLL path as stored (per view), every value naming it, and what was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DllCheck {
    pub stored_path: String,
    pub view: View,
    pub status: DllStatus,
    /// Why the status is not `found`, in words.
    pub detail: Option<String>,
    /// The file read (found), or the path looked for (missing).
    #[serde(serialize_with = "json_path::lossy_option")]
    pub path: Option<PathBuf>,
    pub size: Option<u64>,
    pub sha256: Option<String>,
    pub version: Option<VersionStrings>,
    /// Why there is no version information, for a file that was found.
    pub version_error: Option<String>,
    /// The processor the image is built for, for a file Windows can load.
    pub machine: Option<Machine>,
    /// Why Windows cannot load the file that was found (empty, not a PE image).
    pub image_error: Option<String>,
    pub references: Vec<DllReference>,
}

/// Everything the DLL check found for one control set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DllReport {
    #[serde(serialize_with = "json_path::lossy")]
    pub volume_root: PathBuf,
    pub windows_folder: String,
    pub system_drive: String,
    pub control_set: String,
    /// A 64-bit system: `Catalog_Entries` lists are the 32-bit (WOW64) catalogs.
    pub wow64_catalogs: bool,
    pub dlls: Vec<DllCheck>,
}

/// Where DLLs are looked up: a mounted volume ([`VolumeRoot`]) or an NTFS volume inside a disk
/// image ([`crate::image::dll_volume`]).
pub trait DllVolume {
    /// How reports name the volume.
    fn root_path(&self) -> PathBuf;
    /// Walk `components` down from the root, in any letter case, never leaving the volume.
    fn resolve(&mut self, components: &[String]) -> Confined;
    /// Size, SHA-256 and version resource of a file [`DllVolume::resolve`] found.
    fn measure(&mut self, path: &Path) -> std::io::Result<FileFacts>;
}

impl DllVolume for VolumeRoot {
    fn root_path(&self) -> PathBuf {
        self.path().to_path_buf()
    }

    fn resolve(&mut self, components: &[String]) -> Confined {
        VolumeRoot::resolve(self, components)
    }

    fn measure(&mut self, path: &Path) -> std::io::Result<FileFacts> {
        let file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        measure(file, size)
    }
}

/// Check every DLL `catalogs` names, on the volume at `root` laid out as `layout`.
pub fn check_dlls(
    catalogs: &ControlSetCatalogs,
    root: &mut dyn DllVolume,
    layout: &SystemLayout,
) -> DllReport {
    let wow64 = has_64_bit_catalogs(catalogs);
    let mut checks: Vec<DllCheck> = Vec::new();
    let mut index: HashMap<(String, View), usize> = HashMap::new();
    for (stored, view, reference) in references(catalogs, wow64) {
        let slot = *index
            .entry((stored.to_uppercase(), view))
            .or_insert_with(|| {
                checks.push(check_one(&stored, view, root, layout));
                checks.len() - 1
            });
        if let Some(check) = checks.get_mut(slot) {
            check.references.push(reference);
        }
    }
    DllReport {
        volume_root: root.root_path(),
        windows_folder: layout.windows_folder.clone(),
        system_drive: format!("{}:", layout.system_drive),
        control_set: catalogs.control_set.clone(),
        wow64_catalogs: wow64,
        dlls: checks,
    }
}

/// A 64-bit hive has `Catalog_Entries64` lists beside the (then 32-bit) `Catalog_Entries`.
fn has_64_bit_catalogs(catalogs: &ControlSetCatalogs) -> bool {
    let names = catalogs
        .protocol_catalogs
        .iter()
        .map(|l| (l.name.as_str(), l.present))
        .chain(
            catalogs
                .namespace_catalogs
                .iter()
                .map(|l| (l.name.as_str(), l.present)),
        );
    names
        .into_iter()
        .any(|(name, present)| present && name == CATALOG_ENTRIES64)
}

/// Every DLL path in the configuration, with the view its loaders run in.
fn references(catalogs: &ControlSetCatalogs, wow64: bool) -> Vec<(String, View, DllReference)> {
    let base = format!(
        r"{}\{}",
        catalogs.control_set,
        crate::winsock::catalog::WINSOCK2_PARAMETERS
    );
    let view_of = |list_name: &str| {
        if wow64 && list_name == CATALOG_ENTRIES {
            View::Wow64
        } else {
            View::Native
        }
    };
    let mut out = Vec::new();
    let protocol_key = catalogs.protocol_catalog.as_ref().map(|c| c.key.as_str());
    for list in &catalogs.protocol_catalogs {
        for entry in &list.entries {
            let Some(item) = &entry.item else { continue };
            out.push((
                item.library_path.clone(),
                view_of(&list.name),
                DllReference {
                    key: format!(
                        r"{base}\{}\{}\{}",
                        protocol_key.unwrap_or_default(),
                        list.name,
                        entry.key
                    ),
                    value: crate::winsock::catalog::PACKED_CATALOG_ITEM.to_string(),
                    role: DllRole::ProtocolProvider,
                    chain_len: Some(item.chain_len),
                    catalog_entry_id: Some(item.catalog_entry_id),
                    in_use: loaded(list, &entry.key),
                    name: entry.protocol_name.clone(),
                },
            ));
        }
    }
    let namespace_key = catalogs.namespace_catalog.as_ref().map(|c| c.key.as_str());
    for list in &catalogs.namespace_catalogs {
        for entry in &list.entries {
            let Some(path) = &entry.provider.library_path else {
                continue;
            };
            out.push((
                path.clone(),
                view_of(&list.name),
                DllReference {
                    key: format!(
                        r"{base}\{}\{}\{}",
                        namespace_key.unwrap_or_default(),
                        list.name,
                        entry.key
                    ),
                    value: crate::winsock::namespace_entry::LIBRARY_PATH.to_string(),
                    role: DllRole::NamespaceProvider,
                    chain_len: None,
                    catalog_entry_id: None,
                    in_use: loaded(list, &entry.key),
                    name: entry.provider.display_string.clone(),
                },
            ));
        }
    }
    let single = |key: String, value: &str, role| DllReference {
        key,
        value: value.to_string(),
        role,
        chain_len: None,
        catalog_entry_id: None,
        in_use: true,
        name: None,
    };
    if let Some(params) = &catalogs.winsock2_parameters {
        for (value, path, role) in [
            ("AutodialDLL", &params.autodial_dll, DllRole::AutodialDll),
            (
                "NameSpace_Callout",
                &params.namespace_callout,
                DllRole::NamespaceCallout,
            ),
        ] {
            if let Some(path) = path {
                out.push((
                    path.clone(),
                    View::Native,
                    single(base.clone(), value, role),
                ));
            }
        }
    }
    for transport in &catalogs.transports {
        if let Some(path) = &transport.helper_dll_name {
            let key = format!(
                r"{}\Services\{}\Parameters\Winsock",
                catalogs.control_set, transport.name
            );
            out.push((
                path.clone(),
                View::Native,
                single(key, "HelperDllName", DllRole::TransportHelper),
            ));
        }
    }
    out
}

/// Winsock loads keys `000000000001` up to the count, by building their names.
fn loaded<E>(list: &CatalogList<E>, key: &str) -> bool {
    let number = (key.len() == 12 && key.bytes().all(|b| b.is_ascii_digit()))
        .then(|| key.parse::<u32>().ok())
        .flatten();
    matches!((number, list.num_entries), (Some(n), Some(count)) if n >= 1 && n <= count)
}

fn check_one(
    stored: &str,
    view: View,
    root: &mut dyn DllVolume,
    layout: &SystemLayout,
) -> DllCheck {
    let mut check = DllCheck {
        stored_path: stored.to_string(),
        view,
        status: DllStatus::Unresolved,
        detail: None,
        path: None,
        size: None,
        sha256: None,
        version: None,
        version_error: None,
        machine: None,
        image_error: None,
        references: Vec::new(),
    };
    let components = match layout.locate(stored, view) {
        Located::OnVolume(components) => components,
        Located::OtherDrive(drive) => {
            check.status = DllStatus::OtherDrive;
            check.detail = Some(format!(
                "on drive {drive}:, not the system drive {}: (see --system-drive); not checked",
                layout.system_drive
            ));
            return check;
        }
        Located::Outside(reason) => {
            check.status = DllStatus::OutsideVolume;
            check.detail = Some(reason);
            return check;
        }
        Located::Unresolved(reason) => {
            check.detail = Some(reason);
            return check;
        }
    };
    match root.resolve(&components) {
        Confined::File { path } => {
            check.status = DllStatus::Found;
            match root.measure(&path) {
                Ok(facts) => {
                    check.size = Some(facts.size);
                    check.sha256 = Some(facts.sha256);
                    match facts.version {
                        Ok(version) => check.version = Some(version),
                        Err(e) => check.version_error = Some(e),
                    }
                    match facts.machine {
                        Some(Ok(machine)) => check.machine = Some(machine),
                        Some(Err(e)) => check.image_error = Some(e),
                        None => {}
                    }
                }
                Err(e) => {
                    check.status = DllStatus::Unreadable;
                    check.detail = Some(e.to_string());
                }
            }
            check.path = Some(path);
        }
        Confined::Missing { folder, missing } => {
            check.status = DllStatus::Missing;
            check.detail = Some(format!("no {missing:?} in {}", folder.display()));
            check.path = Some(folder.join(missing));
        }
        Confined::Outside { reason } => {
            check.status = DllStatus::OutsideVolume;
            check.detail = Some(reason);
        }
        Confined::NotAFile { path } => {
            check.status = DllStatus::NotAFile;
            check.detail = Some("a folder or special file, not a DLL".to_string());
            check.path = Some(path);
        }
        Confined::Unreadable { path, error } => {
            check.status = DllStatus::Unreadable;
            check.detail = Some(error);
            check.path = Some(path);
        }
    }
    check
}

pub struct FileFacts {
    size: u64,
    sha256: String,
    version: Result<VersionStrings, String>,
    /// `None` when the file was too large to read.
    machine: Option<Result<Machine, String>>,
}

/// Size, SHA-256 and version resource of a file of `size` bytes read from `file`, read once.
/// A file larger than [`MAX_PE_READ`] is hashed in pieces and not parsed.
pub fn measure(file: impl Read, size: u64) -> std::io::Result<FileFacts> {
    if size > MAX_PE_READ {
        return Ok(FileFacts {
            size,
            sha256: sha256_of_reader(file)?,
            version: Err(format!(
                "larger than {MAX_PE_READ} bytes: version resource not read"
            )),
            machine: None,
        });
    }
    let mut bytes = Vec::new();
    file.take(MAX_PE_READ).read_to_end(&mut bytes)?;
    Ok(FileFacts {
        size: bytes.len() as u64,
        sha256: sha256_hex(&bytes),
        version: read_version(&bytes),
        machine: Some(machine(&bytes)),
    })
}

/// Is this reference a base provider Winsock loads (networking breaks without its DLL)?
pub fn is_base_provider_in_use(reference: &DllReference) -> bool {
    reference.role == DllRole::ProtocolProvider
        && reference.in_use
        && reference.chain_len == Some(BASE_PROTOCOL)
}

//! Which keys hold the Winsock configuration of a control set: what `export` writes and what
//! `timeline` dates.

use crate::winsock::catalog::ControlSetCatalogs;
use crate::winsock::services::TransportHelper;

/// Paths from the hive root: `Services\WinSock2`, `Services\Winsock`, `Services\AFD`, and each
/// transport's `Parameters\Winsock`, each with everything below it.
pub fn winsock_subtrees(catalogs: &ControlSetCatalogs) -> Vec<String> {
    let services = format!(r"{}\Services", catalogs.control_set);
    let mut paths: Vec<String> = ["WinSock2", "Winsock", "AFD"]
        .iter()
        .map(|name| format!(r"{services}\{name}"))
        .collect();
    for (path, _) in transport_keys(catalogs) {
        // A transport listed twice is exported once.
        if !paths.iter().any(|p| p.eq_ignore_ascii_case(&path)) {
            paths.push(path);
        }
    }
    paths
}

/// `Services\<name>\Parameters\Winsock` of each transport, from the hive root. Names with a
/// backslash (which would lead to another key) are left out.
pub fn transport_keys(catalogs: &ControlSetCatalogs) -> Vec<(String, &TransportHelper)> {
    catalogs
        .transports
        .iter()
        .filter(|t| !t.name.is_empty() && !t.name.contains('\\'))
        .map(|t| {
            let path = format!(
                r"{}\Services\{}\Parameters\Winsock",
                catalogs.control_set, t.name
            );
            (path, t)
        })
        .collect()
}

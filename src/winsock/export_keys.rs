//! Which subtrees hold the Winsock configuration of a control set: what `export` writes.

use crate::winsock::catalog::ControlSetCatalogs;

/// Paths from the hive root: `Services\WinSock2`, `Services\Winsock`, `Services\AFD`, and each
/// transport's `Parameters\Winsock`, each with everything below it.
pub fn winsock_subtrees(catalogs: &ControlSetCatalogs) -> Vec<String> {
    let services = format!(r"{}\Services", catalogs.control_set);
    let mut paths: Vec<String> = ["WinSock2", "Winsock", "AFD"]
        .iter()
        .map(|name| format!(r"{services}\{name}"))
        .collect();
    for transport in &catalogs.transports {
        let path = format!(r"{services}\{}\Parameters\Winsock", transport.name);
        // A transport listed twice is exported once.
        if !paths.iter().any(|p| p.eq_ignore_ascii_case(&path)) {
            paths.push(path);
        }
    }
    paths
}

//! A SOFTWARE hive holding only what tells the Windows version
//! (`Microsoft\Windows NT\CurrentVersion`), built with the project's hive builder.

use super::spec::{key, utf16z, value};
use winsock_doctor::hive::builder::build_hive;
use winsock_doctor::hive::value::REG_SZ;

/// The bytes of a SOFTWARE hive of Windows 7 `build` (7600, or 7601 with Service Pack 1).
pub fn windows7_software(build: u32) -> Vec<u8> {
    let sz = |name: &str, text: &str| value(name, REG_SZ, utf16z(text));
    let mut values = vec![
        sz("ProductName", "Windows 7 Professional"),
        sz("CurrentBuild", &build.to_string()),
    ];
    if build == 7601 {
        values.push(sz("CSDVersion", "Service Pack 1"));
    }
    let current = key("CurrentVersion", values, vec![]);
    let root = key(
        "ROOT",
        vec![],
        vec![key(
            "Microsoft",
            vec![],
            vec![key("Windows NT", vec![], vec![current])],
        )],
    );
    build_hive(5, &root, 0).unwrap()
}

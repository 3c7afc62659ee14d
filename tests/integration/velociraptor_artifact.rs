//! The Velociraptor artifact in docs/ parses as YAML and has what Velociraptor requires of an
//! artifact: a name, a description, parameters with names, a tool, and sources with a VQL query
//! that runs winsock-doctor's `scan --jsonl` on a raw NTFS copy of the hive.

use serde_norway::Value;

const ARTIFACT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/docs/velociraptor/Custom.Windows.Network.WinsockDoctor.yaml"
);

fn the_artifact_has_the_fields_velociraptor_requires() {
    let text = std::fs::read_to_string(ARTIFACT).unwrap();
    let artifact: Value = serde_norway::from_str(&text).expect("valid YAML");
    let name = artifact["name"].as_str().expect("a name");
    assert!(
        name.starts_with("Custom."),
        "custom artifacts live under Custom.: {name}"
    );
    assert!(
        ARTIFACT.ends_with(&format!("{name}.yaml")),
        "the file is named for the artifact"
    );
    assert!(
        !artifact["description"]
            .as_str()
            .unwrap_or("")
            .trim()
            .is_empty()
    );
    assert_eq!(artifact["type"].as_str(), Some("CLIENT"));

    let parameters = artifact["parameters"].as_sequence().expect("parameters");
    assert!(!parameters.is_empty());
    for p in parameters {
        assert!(p["name"].as_str().is_some_and(|n| !n.is_empty()), "{p:?}");
    }
    let tools = artifact["tools"].as_sequence().expect("tools");
    let tool = tools[0]["name"].as_str().unwrap();

    let sources = artifact["sources"].as_sequence().expect("sources");
    assert!(!sources.is_empty());
    for source in sources {
        let query = source["query"].as_str().expect("every source has a query");
        assert!(
            query.contains(&format!("ToolName=\"{tool}\"")),
            "fetches its tool"
        );
        assert!(
            query.contains("accessor=\"ntfs\""),
            "copies the locked hive raw"
        );
        assert!(query.contains("\"scan\", \"--jsonl\""), "runs scan --jsonl");
        assert!(query.contains("parse_json"), "parses each record");
        // Every parameter the query uses is declared.
        for p in parameters {
            let name = p["name"].as_str().unwrap();
            assert!(query.contains(name), "{name} is declared but unused");
        }
    }
}

crate::common::registry::register_tests! {
    Nothing: [
        the_artifact_has_the_fields_velociraptor_requires,
    ],
}

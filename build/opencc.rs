//! OpenCC's data as the build reads it: the configurations in
//! `dictionaries/config/*.json`, the text dictionaries they name, and the
//! checksums that pin both.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::dict;
use crate::policy::Tree;

/// The configuration names: the stems of `dictionaries/config/*.json`, in
/// byte order, so that adding a configuration is adding its file.
pub fn config_names(config_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(config_dir)
        .unwrap_or_else(|e| panic!("{}: {e}", config_dir.display()))
        .map(|entry| entry.expect("read dictionaries/config").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let stem = p.file_stem().and_then(|s| s.to_str());
            stem.expect("UTF-8 configuration name").to_owned()
        })
        .collect();
    names.sort();
    names
}

fn parse_tree(v: &serde_json::Value) -> Tree {
    let ty = v["type"].as_str().expect("dict type");
    match ty {
        "group" => {
            let children = v["dicts"]
                .as_array()
                .expect("group dicts")
                .iter()
                .map(parse_tree)
                .collect();
            match v
                .get("match_policy")
                .and_then(|p| p.as_str())
                .unwrap_or("short_circuit")
            {
                "short_circuit" => Tree::ShortCircuit(children),
                "union" => Tree::Union(children),
                other => panic!("unknown match policy {other}"),
            }
        }
        "text" | "ocd2" => {
            // The Python library loads tofu-risk dictionaries by default
            // (include_tofu_risk_dictionaries=True), so `may_output_tofu`
            // leaves are kept.
            let file = v["file"].as_str().expect("dict file");
            Tree::Leaf(
                file.trim_end_matches(".ocd2")
                    .trim_end_matches(".txt")
                    .to_owned()
                    + ".txt",
            )
        }
        other => panic!("unknown dictionary type {other}"),
    }
}

/// The stages of one configuration, as dictionary trees.
pub struct ConfigPlan {
    pub normalization: Vec<Tree>,
    pub segmentation: Option<Tree>,
    pub chain: Vec<Tree>,
}

/// Reads `dictionaries/config/NAME.json`.
pub fn parse_config(path: &Path) -> ConfigPlan {
    let text = fs::read_to_string(path).expect("read config");
    let v: serde_json::Value = serde_json::from_str(&text).expect("config json");
    let normalization = v
        .get("normalization")
        .and_then(|n| n.as_array())
        .map(|a| a.iter().map(|s| parse_tree(&s["dict"])).collect())
        .unwrap_or_default();
    let segmentation = v.get("segmentation").map(|s| {
        assert_eq!(
            s["type"].as_str(),
            Some("mmseg"),
            "only mmseg segmentation is known"
        );
        parse_tree(&s["dict"])
    });
    let chain = v["conversion_chain"]
        .as_array()
        .expect("conversion_chain")
        .iter()
        .map(|s| parse_tree(&s["dict"]))
        .collect();
    ConfigPlan {
        normalization,
        segmentation,
        chain,
    }
}

/// One dictionary line, owned (see `dict::Entry`).
pub struct DictLine {
    pub key: String,
    pub value: String,
    pub values: String,
}

/// Reads a dictionary with the library's parser; a bad line stops the build.
pub fn read_dict(path: &Path) -> Vec<DictLine> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let entries = dict::parse(&text)
        .unwrap_or_else(|e| panic!("{}:{}: {}", path.display(), e.line, e.message));
    entries
        .into_iter()
        .map(|e| DictLine {
            key: e.key.to_owned(),
            value: e.value.to_owned(),
            values: e.values.to_owned(),
        })
        .collect()
}

/// A dictionary as OpenCC uses it: (key, first value) pairs, the first line
/// for a key winning.
pub fn load_dict(path: &Path) -> Vec<(String, String)> {
    let mut seen = std::collections::HashSet::new();
    read_dict(path)
        .into_iter()
        .filter(|l| seen.insert(l.key.clone()))
        .map(|l| (l.key, l.value))
        .collect()
}

/// Stops the build when a dictionary differs from `dictionaries/SHA256SUMS`.
pub fn check_sums(dir: &Path) {
    let sums = fs::read_to_string(dir.join("SHA256SUMS")).expect("dictionaries/SHA256SUMS");
    for line in sums.lines().filter(|l| !l.is_empty()) {
        let (digest, name) = line.split_once("  ").expect("SHA256SUMS line");
        let data = fs::read(dir.join(name)).unwrap_or_else(|e| panic!("dictionaries/{name}: {e}"));
        let got = Sha256::digest(&data);
        let hex: String = got.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex, digest,
            "dictionaries/{name} differs from SHA256SUMS; run scripts/refresh_dictionaries.py"
        );
    }
}

/// A configuration's stages as indices into [`Configs::trees`].
pub struct ConfigIdx {
    pub norm: Vec<usize>,
    pub seg: Option<usize>,
    pub chain: Vec<usize>,
    /// The first conversion without its leading segmentation tree, when it
    /// has one (see [`collect`]).
    pub run_head: Option<usize>,
}

/// Every configuration with its distinct dictionary trees and the
/// dictionaries they name, each loaded once.
pub struct Configs {
    pub names: Vec<String>,
    pub plans: Vec<ConfigPlan>,
    pub idx: Vec<ConfigIdx>,
    /// Distinct trees, numbered in order of first use.
    pub trees: Vec<Tree>,
    pub dicts: HashMap<String, Vec<(String, String)>>,
}

/// Reads the named configurations and the dictionaries they use.
pub fn collect(dict_dir: &Path, names: Vec<String>) -> Configs {
    let plans: Vec<ConfigPlan> = names
        .iter()
        .map(|c| parse_config(&dict_dir.join("config").join(format!("{c}.json"))))
        .collect();
    let mut dicts: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut trees: Vec<Tree> = Vec::new();
    let mut tree_index = |t: &Tree| -> usize {
        for l in t.leaves() {
            let path = dict_dir.join(&l);
            dicts.entry(l).or_insert_with(|| load_dict(&path));
        }
        if let Some(i) = trees.iter().position(|x| x == t) {
            i
        } else {
            trees.push(t.clone());
            trees.len() - 1
        }
    };
    let mut idx = Vec::new();
    for p in &plans {
        let norm = p.normalization.iter().map(&mut tree_index).collect();
        let seg = p.segmentation.as_ref().map(&mut tree_index);
        let chain = p.chain.iter().map(&mut tree_index).collect();
        // In configurations whose first conversion is short_circuit(S, R...)
        // with S the segmentation tree, S matches nowhere inside a stretch
        // that segmentation left unmatched (it was tried at every position
        // there, with more text in view), so the first conversion of such a
        // stretch is short_circuit(R...) alone, a much smaller matcher.
        let run_head = match (&p.segmentation, p.chain.first()) {
            (Some(seg), Some(Tree::ShortCircuit(c))) if c.len() >= 2 && &c[0] == seg => {
                let rest = if c.len() == 2 {
                    c[1].clone()
                } else {
                    Tree::ShortCircuit(c[1..].to_vec())
                };
                Some(tree_index(&rest))
            }
            _ => None,
        };
        idx.push(ConfigIdx {
            norm,
            seg,
            chain,
            run_head,
        });
    }
    Configs {
        names,
        plans,
        idx,
        trees,
        dicts,
    }
}

/// Whether the first conversion's tree is the segmentation tree, or a
/// short_circuit group led by it.
pub fn seg_heads_chain(plan: &ConfigPlan) -> bool {
    match (&plan.segmentation, plan.chain.first()) {
        (Some(seg), Some(first)) => {
            first == seg || matches!(first, Tree::ShortCircuit(c) if c.first() == Some(seg))
        }
        _ => false,
    }
}

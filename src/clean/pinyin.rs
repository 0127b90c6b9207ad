//! Pinyin annotation artefacts (placeholder).

//! Parsing and validation. (Owned by the loader.)

//! The topology model and its YAML format.

pub mod dns;
pub mod error;
pub mod format;
mod fuzzy;
pub mod hybrid;
pub mod identity;
pub mod ids;
pub mod load;
mod parallel;
pub mod resolved;
pub mod s3;
pub mod schema;
pub mod spanned;
mod validate;
mod values;

pub use error::{Diagnostic, LoadError};
pub use fuzzy::closest as suggest;
pub use hybrid::*;
pub use identity::{SgTag, referenced_vpcs};
pub use ids::*;
pub use load::{load_file, load_str, parse_parallel_any_size, parse_serial, parse_str};
pub use resolved::*;
pub use s3::{PolicyDocument, PublicAccessBlock, S3Bucket};
pub use schema::{json_schema, json_schema_text};
pub use spanned::{Pos, Scalar, Sp};
pub use validate::resolve;
pub use values::not_public_v4;

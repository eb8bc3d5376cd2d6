//! The topology model and its YAML format.

pub mod error;
pub mod format;
pub mod load;
pub mod resolved;
pub mod spanned;



pub use resolved::*;
pub use spanned::{Pos, Scalar, Sp};

//! Errors from reading and validating a topology. (Owned by the loader.)

//! The forwarding engine.

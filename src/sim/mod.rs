//! Reference per-packet simulator. (Owned by the simulator work.)

//! Output renderers. (Owned by the renderer work.)

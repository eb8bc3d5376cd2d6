pub mod topogen;

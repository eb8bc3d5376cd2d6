//! The `netverify` binary: everything lives in the library.

fn main() -> netverify::cli::Exit {
    netverify::cli::main()
}
